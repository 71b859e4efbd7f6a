"""The 20 voice.csv columns, in voice.csv's order."""

FEATURE_NAMES: tuple[str, ...] = (
    "meanfreq", "sd", "median", "Q25", "Q75", "IQR", "skew", "kurt", "sp.ent", "sfm",
    "mode", "centroid", "meanfun", "minfun", "maxfun", "meandom", "mindom", "maxdom",
    "dfrange", "modindx",
)

# What `vgr train` uses unless told: the 12 spectral-shape columns and meanfun. minfun, maxfun and the five
# dominant-frequency columns are left out: they move with the recording set-up rather than the voice.
TRAINING_FEATURES: tuple[str, ...] = FEATURE_NAMES[:13]

LABELS: tuple[str, ...] = ("female", "male")
