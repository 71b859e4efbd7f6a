"""Dominant-frequency track: seewave 2.0.2 ``dfreq(wl=2048, ovlp=0, threshold=5, bandpass=c(0, bp2) kHz)``."""

from __future__ import annotations

import numpy as np

from vgr.features import fftw
from vgr.features.framing import BLOCK, FRAME, amplitude_gate, frame_blocks
from vgr.features.r_fft import r_fft, top_two_gap
from vgr.features.spectrum import hann

# Frames whose two best bins are closer than this (relative to the frame's peak) are ties decided by
# FFT rounding; FFTs differ by ~1e-13 of the peak, so every other frame has the same winner in any FFT.
# Only the ties are recomputed with R's FFT (vgr.features.fftw): exact, and cheap.
TIE_GAP = 1e-9


def band_top_khz(sample_rate: int) -> int:
    """The dominant-frequency band's upper edge: min(22, ceiling(f / 2000) - 1) kHz."""
    return min(22, int(np.ceil(sample_rate / 2000)) - 1)


def band_upper_bin(sample_rate: int) -> int:
    """Bins at and above this 0-based index are zeroed: seewave keeps 1-based bins 1..round(wl * bp2 / f)."""
    return int(np.round(FRAME * band_top_khz(sample_rate) * 1000 / sample_rate))


def dominant_track(x: np.ndarray, sample_rate: int) -> np.ndarray:
    """Dominant frequency in Hz per frame (NaN for an all-zero frame), one bin high as in seewave 2.0.2."""
    upper = band_upper_bin(sample_rate)
    gated, window = amplitude_gate(x), hann(FRAME)
    passes = [_numpy_pass(framed * window, upper) for framed in frame_blocks(gated, FRAME)]
    if not passes:
        return np.empty(0)
    bins, peaks, silent, ties = (np.concatenate(column) for column in zip(*passes))
    ties = np.flatnonzero(ties)
    if ties.size:
        bins[ties] = _tie_bins(_Frames(gated, window), ties, peaks, upper)
    dominant = sample_rate * (bins + 1) / FRAME  # seewave 2.0.2: the 1-based bin index, one bin high
    return np.where(silent, np.nan, dominant)


def _numpy_pass(framed: np.ndarray, upper: int) -> tuple[np.ndarray, ...]:
    """Per frame of a block: numpy's winning bin, its peak over all bins, whether it is silent or a tie."""
    magnitude = np.abs(np.fft.rfft(framed, axis=1))[:, : FRAME // 2]
    peak = magnitude.max(axis=1, initial=0.0)  # over all bins: R scales by the global max first
    magnitude[:, upper:] = 0.0
    band_peak = magnitude.max(axis=1, initial=0.0)
    silent = band_peak == 0
    ties = ~silent & ~(top_two_gap(magnitude, band_peak) > TIE_GAP)
    return np.argmax(magnitude, axis=1), peak, silent, ties


class _Frames:
    """Windowed frames by index, recomputed from the gated signal (bit-identical to the blocks' copies)."""

    def __init__(self, gated: np.ndarray, window: np.ndarray) -> None:
        self.gated, self.window = gated, window

    def __getitem__(self, rows: np.ndarray) -> np.ndarray:
        return self.gated[rows[:, None] * FRAME + np.arange(FRAME)] * self.window


def _tie_bins(frames: _Frames, ties: np.ndarray, peaks: np.ndarray, upper: int) -> np.ndarray:
    """The winners of the tie frames as R found them; BLOCK frames at a time, so memory stays bounded."""
    exact = fftw.transform()
    if exact is None:
        return np.concatenate([_emulated_bins(frames[rows], upper) for rows in _blocks(ties)])
    # R divides by the largest magnitude of all frames: it is in a frame whose numpy peak is within rounding of it
    tallest = np.flatnonzero(peaks >= peaks.max() * (1 - TIE_GAP))
    scale = max(exact.magnitudes(frames[rows]).max() for rows in _blocks(tallest))
    return np.concatenate([_fftw_bins(exact.magnitudes(frames[rows]), scale, upper) for rows in _blocks(ties)])


def _blocks(rows: np.ndarray) -> list[np.ndarray]:
    return [rows[first : first + BLOCK] for first in range(0, rows.size, BLOCK)]


def _fftw_bins(magnitudes: np.ndarray, scale: float, upper: int) -> np.ndarray:
    """seewave's order: divide by the global max (over all bins of all frames), then zero the bins above the band.

    The division rounds, so it can make unequal neighbours equal (then the first wins): done exactly as R does it.
    """
    scaled = magnitudes / scale
    scaled[:, upper:] = 0.0
    return np.argmax(scaled, axis=1)


def _emulated_bins(framed: np.ndarray, upper: int) -> np.ndarray:
    """Fallback without FFTW: R's stats::fft emulation, right on some ties only (README, "Fidelity")."""
    re, im = r_fft(framed)
    magnitude = np.hypot(re, im)[:, : FRAME // 2]
    magnitude[:, upper:] = 0.0
    return np.argmax(magnitude, axis=1)


def modulation_index(track: np.ndarray) -> float:
    """specan's modindx: mean absolute step between consecutive measured frames over the range."""
    low, high = np.nanmin(track), np.nanmax(track)
    if low == high:
        return 0.0
    steps = np.abs(np.diff(track))
    steps = steps[np.isfinite(steps)]
    return float(steps.mean() / (high - low)) if steps.size else float("nan")
