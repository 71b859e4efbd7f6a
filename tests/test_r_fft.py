"""The emulation of R's stats::fft: correct as a DFT, deterministic per frame, and bit-equal to R's own output."""

import math
from pathlib import Path

import numpy as np
import pytest

from vgr.features.r_fft import _factor, libm_log, r_fft

R_FIXTURES = Path(__file__).parent / "data" / "r_fft"
# 2048 is the frame length used by the extractor; the others exercise factors 2, 3, 4, 5 and odd ones.
LENGTHS = [2, 3, 5, 7, 8, 12, 16, 30, 49, 100, 128, 243, 360, 1001, 2048, 4410]


@pytest.mark.parametrize("n", LENGTHS)
@pytest.mark.parametrize("inverse", [False, True])
def test_matches_numpy_fft(n, inverse):
    rng = np.random.default_rng(n)
    z = rng.standard_normal((3, n)) + 1j * rng.standard_normal((3, n))
    re, im = r_fft(z.real, z.imag, inverse=inverse)
    expected = np.fft.ifft(z, axis=1) * n if inverse else np.fft.fft(z, axis=1)  # R does not scale
    assert np.abs((re + 1j * im) - expected).max() <= 1e-12 * np.abs(expected).max()


def test_round_trip_of_real_input():
    x = np.random.default_rng(0).standard_normal((4, 2048))
    re, im = r_fft(x)
    back, back_im = r_fft(re, im, inverse=True)
    np.testing.assert_allclose(back / 2048, x, rtol=0, atol=1e-12)
    np.testing.assert_allclose(back_im / 2048, 0, rtol=0, atol=1e-12)


def test_rows_are_independent_bit_for_bit():
    """Vectorising across frames must not change any frame's rounding."""
    x = np.random.default_rng(1).standard_normal((5, 2048))
    re, im = r_fft(x)
    for row in range(5):
        one_re, one_im = r_fft(x[row])
        assert np.array_equal(one_re[0], re[row]) and np.array_equal(one_im[0], im[row])


def test_constant_frame_has_exact_zeros_off_dc():
    """fundamental_track relies on this to skip constant (fully gated) frames."""
    re, im = r_fft(np.full((1, 2048), 1e-6))
    assert np.all(re[0, 1:] == 0) and np.all(im[0] == 0)


def test_factorisation_follows_r():
    assert _factor(2048) == ([4, 4, 2, 2, 2, 4, 4], 3)
    assert _factor(12) == ([2, 3, 2], 1)
    assert math.prod(_factor(4410)[0]) == 4410


def test_libm_log():
    x = np.array([0.0, 1e-300, 0.5, 3.0, 1e300])
    out = libm_log(x)
    assert out[0] == -np.inf
    assert all(out[i] == math.log(x[i]) for i in range(1, 5))


def r_output(name: str, parts: int) -> np.ndarray:
    """A fixture written by R (tests/data/r_fft/make_fixtures.R): frames x parts x 2048 little-endian doubles."""
    return np.fromfile(R_FIXTURES / name, dtype="<f8").reshape(-1, parts, 2048)


def bits(x: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(x, dtype="<f8").view(np.int64)  # -0.0 and 0.0 differ here


def test_bit_equal_to_r_on_pitch_tie_frames():
    """R 4.2's stats::fft, Mod, log and inverse fft on 4 tie frames, step by step, to the last bit."""
    frames = r_output("frames.f64", 1)[:, 0]
    forward, log_mod, inverse = r_output("forward.f64", 2), r_output("log_mod.f64", 1), r_output("inverse.f64", 2)
    assert frames.shape == (4, 2048)
    re, im = r_fft(frames)
    assert np.array_equal(bits(re), bits(forward[:, 0])) and np.array_equal(bits(im), bits(forward[:, 1]))
    ours_log = libm_log(np.hypot(re, im))
    assert np.array_equal(bits(ours_log), bits(log_mod[:, 0]))
    back_re, back_im = r_fft(ours_log, inverse=True)
    assert np.array_equal(bits(back_re), bits(inverse[:, 0])) and np.array_equal(bits(back_im), bits(inverse[:, 1]))


def test_r_fixtures_tell_ffts_apart():
    """numpy's FFT misses R's bits on these frames, so the bit-equality test above can fail."""
    frames = r_output("frames.f64", 1)[:, 0]
    assert not np.array_equal(np.fft.fft(frames, axis=1).real, r_output("forward.f64", 2)[:, 0])
