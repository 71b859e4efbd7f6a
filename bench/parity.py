"""Count (file, feature) cells where vgr disagrees with the R oracle references, over all four reference CSVs.

Usage: python bench/parity.py [-v] [--markdown]
Agreement: |got - ref| <= max(1e-6 * |ref|, 1e-9). A file vgr fails on counts as 20 disagreeing cells, unless
R could not measure it either (an NA row), where the failure is the right answer.
"""
import sys
import time
from collections import Counter
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from vgr.features import FEATURE_NAMES, extract_features, fftw  # noqa: E402

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CORPORA = ["real", "librispeech-test-other", "variants", "speakers"]
verbose = "-v" in sys.argv
markdown = "--markdown" in sys.argv
rows = []
bad, total, errors = Counter(), 0, 0
start = time.perf_counter()
for corpus in CORPORA:
    ref = pd.read_csv(SHARED / "reference" / f"{corpus}.csv")
    for _, row in ref.iterrows():
        r_failed = row[list(FEATURE_NAMES)].isna().all()
        total += len(FEATURE_NAMES)
        try:
            got = extract_features(SHARED / "audio" / corpus / row.file)
        except Exception as error:  # right only where R could not measure the file either
            errors += 1
            print("ERR", corpus, row.file, error, "(ref NA)" if r_failed else "")
            if not r_failed:
                bad.update(FEATURE_NAMES)
                rows.extend((corpus, row.file, name, row[name], float("nan")) for name in FEATURE_NAMES)
            continue
        for name in FEATURE_NAMES:
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
print(f"disagreeing cells: {n_bad} / {total} ({100 * (1 - n_bad / total):.3f} % agree); files vgr failed on: {errors}")
print("per feature:", dict(bad))
print(f"dominant-frequency ties: {fftw.path()}")
print(f"extraction time: {elapsed:.1f} s (one process)")
