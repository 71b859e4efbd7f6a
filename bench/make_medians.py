"""Write vgr/serve/medians.json: voice.csv's per-class median of each feature, shown beside a prediction.

    python bench/make_medians.py
"""

import json
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
voice = pd.read_csv(ROOT.parent / "shared" / "data" / "voice.csv")
medians = {label: {k: round(float(v), 6) for k, v in group.drop(columns="label").median().items()}
           for label, group in voice.groupby("label")}
(ROOT / "vgr" / "serve" / "medians.json").write_text(json.dumps(medians, indent=1) + "\n")
