"""Helpers shared by the two frame tracks: the amplitude gate and frame slicing."""

from __future__ import annotations

import numpy as np

FRAME = 2048  # seewave's wl in specan3


def amplitude_gate(x: np.ndarray, percent: float = 5.0) -> np.ndarray:
    """seewave ``afilter``: zero every sample with |x| <= percent % of max|x| (a copy)."""
    magnitude = np.abs(x)
    return np.where(magnitude <= magnitude.max() * (percent / 100), 0.0, x)


def frames(x: np.ndarray, hop: int) -> np.ndarray:
    """Frames of ``FRAME`` samples starting at R's ``seq(1, n - FRAME, by = hop)``.

    Returns a (n_frames, FRAME) copy; no frame when the signal is not longer than one frame.
    """
    starts = np.arange(0, x.size - FRAME, hop)
    if starts.size == 0:
        return np.empty((0, FRAME))
    return np.lib.stride_tricks.sliding_window_view(x, FRAME)[starts]
