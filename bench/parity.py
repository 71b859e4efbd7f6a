"""Count (file, feature) cells where vgr disagrees with the R oracle references.

Usage: python bench/parity.py [-v] [--markdown]
Agreement: |got - ref| <= max(1e-6 * |ref|, 1e-9).
"""
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from vgr.features import FEATURE_NAMES, extract_features  # noqa: E402

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
verbose = "-v" in sys.argv
markdown = "--markdown" in sys.argv
rows = []
bad, total, errors = Counter(), 0, 0
start = time.perf_counter()
for corpus in ["real", "librispeech-test-other", "variants"]:
    ref = pd.read_csv(SHARED / "reference" / f"{corpus}.csv")
    for _, row in ref.iterrows():
        try:
            got = extract_features(SHARED / "audio" / corpus / row.file)
        except Exception as error:  # the reference has NA there, or a real failure
            errors += 1
            print("ERR", corpus, row.file, error, "(ref NA)" if row[FEATURE_NAMES].isna().any() else "")
            continue
        for name in FEATURE_NAMES:
            total += 1
            r, g = row[name], got[name]
            if not abs(g - r) <= max(1e-6 * abs(r), 1e-9):
                bad[name] += 1
                rows.append((corpus, row.file, name, r, g))
                if verbose:
                    print(corpus, row.file, name, repr(r), repr(g))
elapsed = time.perf_counter() - start
if markdown:
    print("| file | feature | R | vgr |\n|---|---|---|---|")
    for corpus, file, name, r, g in rows:
        print(f"| {corpus}/{file} | {name} | {r:.10g} | {g:.10g} |")
n_bad = sum(bad.values())
print(f"disagreeing cells: {n_bad} / {total} ({100 * (1 - n_bad / total):.3f} % agree); errors: {errors}")
print("per feature:", dict(bad))
print(f"extraction time: {elapsed:.1f} s")
