"""Cepstral fundamental-frequency track: seewave ``fund(wl=2048, ovlp=50, threshold=5, fmax=280)``."""

from __future__ import annotations

import numpy as np
import scipy.fft

from vgr.features.framing import FRAME, amplitude_gate, frames

FMAX_HZ = 280


def fundamental_track(x: np.ndarray, sample_rate: int) -> np.ndarray:
    """F0 in Hz per frame; NaN where the cepstral peak sits at the lowest candidate quefrency."""
    gated = amplitude_gate(x)
    gated[gated == 0] = 1e-6
    framed = frames(gated, FRAME // 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_magnitude = np.log(np.abs(scipy.fft.rfft(framed, axis=1)))
        cepstrum = scipy.fft.irfft(log_magnitude, n=FRAME, axis=1)[:, : FRAME // 2]
    cepstrum[~np.isfinite(cepstrum) & (cepstrum != np.inf)] = 0.0
    lowest = sample_rate // FMAX_HZ  # 0-based index of the first candidate quefrency
    offset = np.argmax(cepstrum[:, lowest:], axis=1)
    with np.errstate(divide="ignore"):
        f0 = sample_rate / (offset + lowest).astype(float)
    f0[offset == 0] = np.nan
    return f0
