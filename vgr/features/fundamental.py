"""Cepstral fundamental-frequency track: seewave ``fund(wl=2048, ovlp=50, threshold=5, fmax=280)``."""

from __future__ import annotations

import numpy as np

from vgr.features.framing import FRAME, amplitude_gate, frame_blocks
from vgr.features.r_fft import libm_log, r_fft, top_two_gap

FMAX_HZ = 280
# A frame whose two best candidates are closer than this (relative to the frame's largest |cepstrum|
# value) is a "tie frame": the winner is decided by the rounding of the FFT, so it is recomputed
# with the bit-exact emulation of R's FFT. Rounding differences between FFTs are ~1e-13 of that scale.
TIE_GAP = 1e-9


def _cepstra(framed: np.ndarray) -> np.ndarray:
    """Real cepstrum Re(IFFT(log|FFT(frame)|)), first FRAME/2 values, NaN/-Inf -> 0 (seewave)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        log_magnitude = np.log(np.abs(np.fft.rfft(framed, axis=1)))
        cepstrum = np.fft.irfft(log_magnitude, n=FRAME, axis=1)[:, : FRAME // 2]
    return _cleaned(cepstrum)


def _r_cepstra(framed: np.ndarray) -> np.ndarray:
    """The same, with R's own operations: complex stats::fft, Mod (= hypot), libm log, inverse fft."""
    re, im = r_fft(framed)
    cepstrum, _ = r_fft(libm_log(np.hypot(re, im)), inverse=True)
    return _cleaned(cepstrum[:, : FRAME // 2])


def _cleaned(cepstrum: np.ndarray) -> np.ndarray:
    """seewave sets NaN and -Inf to 0 (and keeps +Inf)."""
    cepstrum[np.isnan(cepstrum) | (cepstrum == -np.inf)] = 0.0
    return cepstrum


def fundamental_track(x: np.ndarray, sample_rate: int) -> np.ndarray:
    """F0 in Hz per frame; NaN where the cepstral peak sits at the lowest candidate quefrency."""
    gated = amplitude_gate(x)
    gated[gated == 0] = 1e-6
    tracks = [_block_f0(framed, sample_rate) for framed in frame_blocks(gated, FRAME // 2)]
    return np.concatenate(tracks) if tracks else np.empty(0)


def _block_f0(framed: np.ndarray, sample_rate: int) -> np.ndarray:
    lowest = sample_rate // FMAX_HZ  # 0-based index of the first candidate quefrency
    cepstrum = _cepstra(framed)
    scale = np.abs(np.where(np.isfinite(cepstrum), cepstrum, 0.0)).max(axis=1, initial=0.0)
    ties = ~(top_two_gap(cepstrum[:, lowest:], scale) > TIE_GAP)  # a NaN gap (inf, zero scale) counts too
    # A constant frame (typically all gated to 1e-6) has exact zeros off DC in both FFTs, so its
    # cepstrum is all NaN -> 0 in R too: an unvoiced frame, no need to emulate.
    ties &= ~np.all(framed == framed[:, :1], axis=1)
    if ties.any():
        cepstrum[ties] = _r_cepstra(framed[ties])
    offset = np.argmax(cepstrum[:, lowest:], axis=1)
    with np.errstate(divide="ignore"):
        f0 = sample_rate / (offset + lowest).astype(float)
    f0[offset == 0] = np.nan
    return f0
