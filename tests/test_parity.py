"""Parity with the R pipeline (tuneR + seewave 2.0.2) on every shared recording."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from tests.conftest import REFERENCE_CORPORA
from vgr.errors import AudioError
from vgr.features import FEATURE_NAMES, extract_features

REQUIRED_AGREEMENT = 0.995


def agrees(got: float, expected: float) -> bool:
    return abs(got - expected) <= max(1e-6 * abs(expected), 1e-9)


@pytest.fixture(scope="module")
def comparisons(shared):
    """(corpus, file, feature, reference, ours) for every cell; ours is None where we raised."""
    cells = []
    for corpus in REFERENCE_CORPORA:
        reference = pd.read_csv(shared / "reference" / f"{corpus}.csv")
        for _, row in reference.iterrows():
            path = shared / "audio" / corpus / row["file"]
            try:
                ours = extract_features(path)
            except AudioError:
                ours = None
            for name in FEATURE_NAMES:
                cells.append((corpus, row["file"], name, row[name], None if ours is None else ours[name]))
    return cells


def test_every_reference_file_is_covered(comparisons, shared):
    files = {(corpus, file) for corpus, file, *_ in comparisons}
    for corpus in REFERENCE_CORPORA:
        audio = {p.relative_to(shared / "audio" / corpus).as_posix() for p in (shared / "audio" / corpus).rglob("*")
                 if p.suffix.lower() in {".wav", ".flac"}}
        assert audio == {file for c, file in files if c == corpus}


def test_na_reference_rows_are_failures_and_measured_rows_are_not(comparisons):
    for corpus, file, name, expected, ours in comparisons:
        if isinstance(expected, float) and math.isnan(expected):
            assert ours is None, f"{corpus}/{file}: R could not measure it, vgr must report a failure"
        else:
            assert ours is not None, f"{corpus}/{file}: R measured it, vgr failed"


def test_parity_with_the_r_pipeline(comparisons):
    measured = [c for c in comparisons if not (isinstance(c[3], float) and math.isnan(c[3]))]
    wrong = [c for c in measured if c[4] is None or not agrees(c[4], c[3])]
    agreement = 1 - len(wrong) / len(measured)
    listing = "\n".join(f"{corpus}/{file} {name}: R {ref!r} vgr {ours!r}" for corpus, file, name, ref, ours in wrong)
    assert agreement >= REQUIRED_AGREEMENT, f"{agreement:.4%} of cells agree; disagreements:\n{listing}"


def test_spectral_columns_agree_everywhere(comparisons):
    spectral = {"meanfreq", "sd", "median", "Q25", "Q75", "IQR", "skew", "kurt", "sp.ent", "sfm", "mode", "centroid"}
    wrong = [c for c in comparisons if c[2] in spectral and (c[4] is None or not agrees(c[4], c[3]))]
    assert wrong == []


def test_invariants_hold_on_real_recordings(shared):
    for path in sorted((shared / "audio" / "real" / "male").glob("*.wav"))[:10]:
        features = extract_features(path)
        assert features["centroid"] == features["meanfreq"]
        # R subtracts in Hz before converting to kHz, as we do: equal up to float rounding.
        assert features["IQR"] == pytest.approx(features["Q75"] - features["Q25"], abs=1e-15)
        assert features["dfrange"] == pytest.approx(features["maxdom"] - features["mindom"], abs=1e-15)


@pytest.mark.parametrize("file, row", [("cmuarctic_clb_arctic_a0001.wav", 2503), ("cmuarctic_slt_arctic_a0001.wav", 2502)])
def test_cmu_arctic_files_reproduce_their_voice_csv_rows(shared, file, row):
    voice = pd.read_csv(shared / "data" / "voice.csv")
    expected = voice.iloc[row - 1]
    got = extract_features(shared / "audio" / "real" / "female" / file)
    assert expected["label"] == "female"
    for name in FEATURE_NAMES:
        assert got[name] == pytest.approx(expected[name], rel=1e-9, abs=1e-12), name
