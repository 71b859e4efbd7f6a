"""The 20 voice.csv columns, in voice.csv's order."""

FEATURE_NAMES: tuple[str, ...] = (
    "meanfreq", "sd", "median", "Q25", "Q75", "IQR", "skew", "kurt", "sp.ent", "sfm",
    "mode", "centroid", "meanfun", "minfun", "maxfun", "meandom", "mindom", "maxdom",
    "dfrange", "modindx",
)

LABELS: tuple[str, ...] = ("female", "male")
