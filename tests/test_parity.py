"""Parity with the R pipeline (tuneR + seewave 2.0.2): every cell of every shared recording, no exemption."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from tests.conftest import REFERENCE_CORPORA
from vgr.runs.batch import run
from vgr.runs.discovery import AudioJob
from vgr.features import FEATURE_NAMES, extract_features, fftw

CELLS = 26_780  # 1,339 files x 20 features in ../shared/reference/*.csv


def agrees(got: float, expected: float) -> bool:
    return abs(got - expected) <= max(1e-6 * abs(expected), 1e-9)


def is_na(value) -> bool:
    return isinstance(value, float) and math.isnan(value)


@pytest.fixture(scope="module")
def comparisons(shared):
    """(corpus, file, feature, reference, ours, error) for every cell; ours is None where vgr failed.

    The 1,339 files are extracted by a pool of 2 processes (the path of the whole batch, as `vgr extract -w 2`).
    """
    fftw.path()  # decide the tie-breaker before the pool forks, so that every worker uses the same one
    rows = [(corpus, row) for corpus in REFERENCE_CORPORA
            for _, row in pd.read_csv(shared / "reference" / f"{corpus}.csv").iterrows()]
    jobs = [AudioJob(shared / "audio" / corpus / row["file"], row["file"]) for corpus, row in rows]
    cells = []
    for (corpus, row), result in zip(rows, run(jobs, workers=2), strict=True):
        for name in FEATURE_NAMES:
            ours = result.features[name] if result.ok else None
            cells.append((corpus, row["file"], name, row[name], ours, result.error))
    return cells


def test_every_reference_file_is_covered(comparisons, shared):
    files = {(corpus, file) for corpus, file, *_ in comparisons}
    for corpus in REFERENCE_CORPORA:
        audio = {p.relative_to(shared / "audio" / corpus).as_posix() for p in (shared / "audio" / corpus).rglob("*")
                 if p.suffix.lower() in {".wav", ".flac"}}
        assert audio == {file for c, file in files if c == corpus}
    assert len(comparisons) == CELLS


def test_na_reference_rows_are_failures_and_measured_rows_are_not(comparisons):
    for corpus, file, name, expected, ours, error in comparisons:
        if is_na(expected):
            assert ours is None, f"{corpus}/{file}: R could not measure it, vgr must report a failure"
        else:
            assert ours is not None, f"{corpus}/{file}: R measured it, vgr failed: {error}"


def test_every_cell_equals_r(comparisons):
    """All 26,780 cells; a file vgr fails on counts as 20 wrong cells, a file R could not measure as 20 right."""
    wrong = [c for c in comparisons if not (is_na(c[3]) and c[4] is None)
             and (c[4] is None or not agrees(c[4], c[3]))]
    listing = "\n".join(f"{corpus}/{file} {name}: R {ref!r} vgr {ours!r}" for corpus, file, name, ref, ours, _ in wrong)
    assert not wrong, f"{len(wrong)} of {len(comparisons)} cells differ (ties: {fftw.path()}):\n{listing}"


def test_the_exact_tie_breaker_ran():
    """The fallback is for other machines; here the suite must prove the FFTW path."""
    assert fftw.path().startswith("FFTW via pyfftw"), fftw.path()


def test_invariants_hold_on_real_recordings(shared):
    for path in sorted((shared / "audio" / "real" / "male").glob("*.wav"))[:10]:
        features = extract_features(path)
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
