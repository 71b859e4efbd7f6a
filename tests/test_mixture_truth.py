"""The truth of issue 17's scored mixtures (bench/make_mixtures.py): what a turn keeps of each utterance."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

RATE = 16000


@pytest.fixture(scope="module")
def mixtures():
    spec = importlib.util.spec_from_file_location(
        "make_mixtures", Path(__file__).resolve().parents[1] / "bench" / "make_mixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def word_over(noise_dbfs: float, seed: int = 0) -> np.ndarray:
    """1.8 s of white noise at ``noise_dbfs`` with a 0.4 s 200 Hz tone (peak 0.3) from 0.7 s to 1.1 s."""
    rng = np.random.default_rng(seed)
    samples = rng.normal(0, 10 ** (noise_dbfs / 20), int(1.8 * RATE))
    t = np.arange(int(0.4 * RATE)) / RATE
    samples[int(0.7 * RATE) : int(1.1 * RATE)] += 0.3 * np.sin(2 * np.pi * 200 * t)
    return samples


def test_the_35_db_trim_keeps_the_noise_of_a_word_recorded_over_loud_noise(mixtures):
    # audiomnist_az's case: noise about 10 dB under the word, so nothing is 35 dB under the peak
    assert mixtures.trim(word_over(-21)).size / RATE == pytest.approx(1.8, abs=0.01)


def test_trimming_above_the_floor_cuts_the_turn_to_the_word(mixtures):
    kept = mixtures.trim(word_over(-21), above_floor_db=3.0)
    assert kept.size / RATE == pytest.approx(0.4, abs=0.02)
    assert np.max(np.abs(kept)) > 0.3  # the tone, not the noise either side


def test_trimming_above_the_floor_leaves_a_clean_recording_as_the_35_db_trim_does(mixtures):
    clean = word_over(-70)
    assert mixtures.trim(clean, above_floor_db=3.0).size == mixtures.trim(clean).size
    assert mixtures.trim(clean).size / RATE == pytest.approx(0.4, abs=0.02)
