"""The emulation of R's stats::fft: correct as a DFT, and deterministic per frame."""

import math

import numpy as np
import pytest

from vgr.features.r_fft import _factor, libm_log, r_fft

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
