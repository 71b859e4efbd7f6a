"""Tie frames of the dominant-frequency track: which frames tie, how R's FFT breaks them, and the fallback."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest

from vgr.errors import FidelityWarning
from vgr.features import dominant, extract_features, fftw
from vgr.features.audio import excerpt_length, read_audio
from vgr.features.framing import FRAME, amplitude_gate, frames
from vgr.features.spectrum import hann

TIE_FILE = "emodb/10/10a01Wa.flac"  # 2 s of speech whose first frame is a tie numpy breaks differently from R


@pytest.fixture
def fresh_transform():
    """Forget the process's choice of tie-breaker before and after the test."""
    fftw.transform.cache_clear()
    yield
    fftw.transform.cache_clear()


@pytest.fixture
def pyfftw_core():
    try:
        return fftw.load_pyfftw()
    except ImportError:
        pytest.skip("pyfftw is not installed")


def numpy_winners(x: np.ndarray, rate: int) -> tuple[np.ndarray, np.ndarray]:
    """numpy's winning bin per frame, and which frames are ties."""
    bins, _, _, ties = dominant._numpy_pass(frames(amplitude_gate(x), FRAME) * hann(FRAME), dominant.band_upper_bin(rate))
    return bins, ties


def test_which_frames_tie_in_a_real_file_and_r_breaks_them_its_way(shared):
    audio = read_audio(shared / "audio" / "speakers" / TIE_FILE)
    x = audio.samples[: excerpt_length(audio.sample_rate)]
    bins, ties = numpy_winners(x, audio.sample_rate)
    ours = np.round(dominant.dominant_track(x, audio.sample_rate) * FRAME / audio.sample_rate).astype(int) - 1
    assert np.flatnonzero(ties).tolist() == [0]
    assert np.flatnonzero(ours != bins).tolist() == [0]  # only the tie frame moves
    reference = pd.read_csv(shared / "reference" / "speakers.csv").set_index("file").loc[TIE_FILE]
    assert extract_features(audio.samples, audio.sample_rate)["meandom"] == pytest.approx(reference["meandom"], rel=1e-12)
    numpy_meandom = np.mean(audio.sample_rate * (bins + 1) / FRAME) / 1000
    assert numpy_meandom != pytest.approx(reference["meandom"], rel=1e-6)


def test_scaling_by_the_global_max_comes_before_the_argmax():
    """Two magnitudes one ulp apart can become equal once divided: then the first bin wins, as in R."""
    high = np.nextafter(2.0, 0.0)
    low = np.nextafter(high, 0.0)  # at the top of a binade: the quotient's ulp is relatively wider
    scale = next(s for s in np.linspace(1.5, 3.0, 2000) if low / s == high / s)
    magnitudes = np.zeros((1, FRAME // 2))
    magnitudes[0, 3], magnitudes[0, 5] = low, high
    assert np.argmax(magnitudes) == 5
    assert dominant._fftw_bins(magnitudes, scale, upper=100).tolist() == [3]
    assert dominant._fftw_bins(magnitudes, scale, upper=4).tolist() == [3]


def test_known_answer_check_passes_here_and_tells_ffts_apart(pyfftw_core):
    exact = fftw.Transform(pyfftw_core)
    check = fftw._check_frames()
    assert fftw.digest(exact.magnitudes(check)) == fftw.KNOWN_DIGEST
    spectrum = np.fft.fft(check, axis=1)[:, : FRAME // 2]
    assert fftw.digest(np.hypot(spectrum.real, spectrum.imag)) != fftw.KNOWN_DIGEST  # numpy's rounding
    assert fftw.digest(np.abs(exact.magnitudes(check) + 0j)) == fftw.KNOWN_DIGEST  # abs of a real is exact


def test_unaligned_buffers_fail_the_known_answer_check(pyfftw_core):
    unaligned = fftw.Transform(pyfftw_core)
    offset = np.empty(FRAME * 16 + 8, dtype=np.uint8)[8:].view(np.complex128)  # 8 bytes off: no SIMD loads
    unaligned.source, unaligned.result = offset, np.empty_like(offset)
    unaligned.plan = pyfftw_core.FFTW(unaligned.source, unaligned.result, flags=("FFTW_ESTIMATE", "FFTW_DESTROY_INPUT"))
    assert fftw.digest(unaligned.magnitudes(fftw._check_frames())) != fftw.KNOWN_DIGEST


def tie_signal() -> tuple[np.ndarray, int]:
    """Frames with one surviving sample after the gate: a flat spectrum, every bin a tie."""
    x = np.zeros(16000)
    x[[100, 3000, 5000]] = [1.0, -0.8, 0.9]
    return x, 16000


def test_without_pyfftw_one_warning_and_the_emulation(monkeypatch, fresh_transform):
    monkeypatch.setitem(sys.modules, "pyfftw", None)  # makes `import pyfftw` raise ImportError
    monkeypatch.delitem(sys.modules, "pyfftw.pyfftw", raising=False)
    x, rate = tie_signal()
    with pytest.warns(FidelityWarning, match="pyfftw cannot be imported") as caught:
        track = dominant.dominant_track(x, rate)
        dominant.dominant_track(x, rate)
    assert len(caught) == 1
    assert fftw.path().startswith("fallback")
    assert np.isfinite(track[:3]).all() and np.isnan(track[3:]).all()


def test_another_fftw_plan_falls_back(monkeypatch, fresh_transform, pyfftw_core):
    monkeypatch.setattr(fftw, "KNOWN_DIGEST", "0" * 64)
    with pytest.warns(FidelityWarning, match="known-answer check failed"):
        assert fftw.transform() is None
