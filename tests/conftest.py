"""Shared fixtures: the ../shared folder CI puts beside the checkout, and tiny generated WAVs."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
REFERENCE_CORPORA = ("real", "librispeech-test-other", "variants", "speakers")


def harmonic_tone(f0: float, sample_rate: int, seconds: float, harmonics: int = 8) -> np.ndarray:
    """A voice-like periodic signal: decaying harmonics of f0, peak 0.5."""
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    signal = sum(np.sin(2 * np.pi * f0 * k * t) / k for k in range(1, harmonics + 1) if f0 * k < sample_rate / 2)
    return 0.5 * signal / np.abs(signal).max()


@pytest.fixture(scope="session")
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is not there (CI places shared/ beside the checkout)")
    return SHARED


@pytest.fixture
def write_wav(tmp_path):
    """write_wav(name, samples, rate, subtype='PCM_16') -> Path of a WAV in tmp_path."""
    import soundfile

    def write(name: str, samples, rate: int, subtype: str = "PCM_16") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        soundfile.write(str(path), np.asarray(samples), rate, subtype=subtype)
        return path

    return write


def pytest_configure(config):
    config.addinivalue_line("markers", "bad_input: a hostile or broken input that vgr must handle cleanly")


def pytest_terminal_summary(terminalreporter):
    """Print how many bad inputs were tried and how many were handled (their tests passed)."""
    tried = handled = 0
    for outcome in ("passed", "failed", "error"):
        for report in terminalreporter.stats.get(outcome, []):
            if getattr(report, "when", "call") == "call" and "bad_input" in getattr(report, "keywords", {}):
                tried += 1
                handled += outcome == "passed"
    if tried:
        terminalreporter.write_line(f"bad inputs: {tried} tried, {handled} handled")
    fftw = sys.modules.get("vgr.features.fftw")
    if fftw is not None and fftw.transform.cache_info().currsize:  # only if some test broke a dominant tie
        terminalreporter.write_line(f"dominant-frequency ties: {fftw.path()}")
