"""Long-term spectrum statistics: seewave ``spec`` + ``specprop(flim = c(0, 0.28))``."""

from __future__ import annotations

import numpy as np

# seewave computes flim[2] * 1000 with flim[2] = 0.28 kHz; keep its exact float value.
UPPER_HZ = 0.28 * 1000
# R's `from:to` adds FLT_EPSILON of fuzz before truncating the count.
R_COLON_FUZZ = float(np.finfo(np.float32).eps)
SFM_MAX_POINTS = 4000


def hann(n: int) -> np.ndarray:
    """seewave ``hanning.w``: symmetric Hann window of length n."""
    return 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / (n - 1))


def band_spectrum(x: np.ndarray, sample_rate: int) -> np.ndarray:
    """Normalised magnitude spectrum of the whole excerpt, bins 1..m of specprop's 0-280 Hz band."""
    n = x.size
    half = n // 2
    magnitude = np.abs(np.fft.rfft(x * hann(n))[:half])
    m = int((UPPER_HZ * (2 * half)) / sample_rate + 1 + R_COLON_FUZZ) - 1
    band = magnitude[:m] / magnitude.max()
    band[band == 0] = 1e-6
    return band


def regenerated_axis(m: int) -> np.ndarray:
    """R ``seq(0, 280, length.out = m)``: specprop's axis, not the true bin frequencies."""
    if m < 3:
        return np.array([0.0, UPPER_HZ])[:m]
    axis = np.arange(m) * (UPPER_HZ / (m - 1))
    axis[-1] = UPPER_HZ
    return axis


def spectral_flatness(amp: np.ndarray) -> float:
    """seewave ``sfm``: geometric over arithmetic mean, subsampled above 4000 points."""
    amp = np.where(amp == 0, 1e-5, amp)
    if amp.size > SFM_MAX_POINTS:
        amp = amp[:: int(np.round(amp.size / 256))]
    return float(np.exp(np.mean(np.log(amp))) / np.mean(amp))


def spectral_entropy(amp: np.ndarray) -> float:
    """seewave ``sh``: Shannon entropy normalised by log(length)."""
    p = np.where(amp == 0, 1e-7, amp)
    p = p / p.sum()
    return float(-np.sum(p * np.log(p)) / np.log(p.size))


def quantile_frequency(axis: np.ndarray, cumulative: np.ndarray, p: float) -> float:
    """specprop's quantile: the first axis point after the last cumulative value <= p."""
    index = int(np.count_nonzero(cumulative <= p))
    return float(axis[index]) if index < axis.size else float("nan")


def spectral_statistics(x: np.ndarray, sample_rate: int) -> dict[str, float]:
    """The 12 spectral-shape columns (kHz where they are frequencies)."""
    spectrum = band_spectrum(x, sample_rate)
    m = spectrum.size
    amp = spectrum / spectrum.sum()
    axis = regenerated_axis(m)
    cumulative = np.cumsum(amp)
    mean = float(np.sum(amp * axis))
    sd = float(np.sqrt(np.sum(amp * (axis - mean) ** 2)))
    q25, median, q75 = (quantile_frequency(axis, cumulative, p) for p in (0.25, 0.5, 0.75))
    centred = amp - amp.mean()
    spread = amp.std(ddof=1)
    return {
        "meanfreq": mean / 1000,
        "sd": sd / 1000,
        "median": median / 1000,
        "Q25": q25 / 1000,
        "Q75": q75 / 1000,
        "IQR": (q75 - q25) / 1000,
        "skew": float(np.sum(centred**3) / (m - 1) / spread**3),
        "kurt": float(np.sum(centred**4) / (m - 1) / spread**4),
        "sp.ent": spectral_entropy(amp),
        "sfm": spectral_flatness(amp),
        "mode": float(axis[np.argmax(amp)]) / 1000,
        "centroid": mean / 1000,
    }
