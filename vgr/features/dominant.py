"""Dominant-frequency track: seewave 2.0.2 ``dfreq(wl=2048, ovlp=0, threshold=5, bandpass=c(0, bp2) kHz)``."""

from __future__ import annotations

import numpy as np

from vgr.features.framing import FRAME, amplitude_gate, frame_blocks
from vgr.features.r_fft import r_fft, top_two_gap
from vgr.features.spectrum import hann

# Frames whose two best bins are closer than this (relative to the frame's peak) are ties decided by
# FFT rounding. R computed this track with FFTW (seewave stft, fftw = TRUE), which we cannot reproduce;
# recomputing the ties with R's stats::fft emulation matches the references slightly more often than
# pocketfft does (by chance, not by construction), so it is used as the best available tie-breaker.
TIE_GAP = 1e-9


def band_top_khz(sample_rate: int) -> int:
    """The dominant-frequency band's upper edge: min(22, ceiling(f / 2000) - 1) kHz."""
    return min(22, int(np.ceil(sample_rate / 2000)) - 1)


def dominant_track(x: np.ndarray, sample_rate: int) -> np.ndarray:
    """Dominant frequency in Hz per frame (NaN for an all-zero frame), one bin high as in seewave 2.0.2."""
    upper = int(np.round(FRAME * band_top_khz(sample_rate) * 1000 / sample_rate))
    window = hann(FRAME)
    tracks = [_block_dominant(framed * window, upper, sample_rate) for framed in frame_blocks(amplitude_gate(x), FRAME)]
    return np.concatenate(tracks) if tracks else np.empty(0)


def _block_dominant(framed: np.ndarray, upper: int, sample_rate: int) -> np.ndarray:
    magnitude = np.abs(np.fft.rfft(framed, axis=1))[:, : FRAME // 2]
    magnitude[:, upper:] = 0.0
    peak = magnitude.max(axis=1, initial=0.0)
    ties = (peak > 0) & ~(top_two_gap(magnitude, peak) > TIE_GAP)
    if ties.any():
        re, im = r_fft(framed[ties])
        magnitude[ties] = np.where(np.arange(FRAME // 2) < upper, np.hypot(re, im)[:, : FRAME // 2], 0.0)
    bin_1based = np.argmax(magnitude, axis=1) + 1
    dominant = sample_rate * bin_1based / FRAME
    return np.where(peak == 0, np.nan, dominant)


def modulation_index(track: np.ndarray) -> float:
    """specan's modindx: mean absolute step between consecutive measured frames over the range."""
    low, high = np.nanmin(track), np.nanmax(track)
    if low == high:
        return 0.0
    steps = np.abs(np.diff(track))
    steps = steps[np.isfinite(steps)]
    return float(steps.mean() / (high - low)) if steps.size else float("nan")
