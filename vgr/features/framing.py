"""Helpers shared by the two frame tracks: the amplitude gate and frame slicing."""

from __future__ import annotations

import numpy as np

FRAME = 2048  # seewave's wl in specan3
BLOCK = 256  # frames processed together: bounds memory (a 20 s, 48 kHz excerpt has ~940 frames)


def amplitude_gate(x: np.ndarray, percent: float = 5.0) -> np.ndarray:
    """seewave ``afilter``: zero every sample with |x| <= percent % of max|x| (a copy)."""
    magnitude = np.abs(x)
    return np.where(magnitude <= magnitude.max() * (percent / 100), 0.0, x)


def frames(x: np.ndarray, hop: int) -> np.ndarray:
    """Frames of ``FRAME`` samples starting at R's ``seq(1, n - FRAME, by = hop)``, as one (n_frames, FRAME) copy."""
    return np.concatenate([np.empty((0, FRAME)), *frame_blocks(x, hop)])


def frame_blocks(x: np.ndarray, hop: int, block: int = BLOCK):
    """``frames(x, hop)`` in consecutive blocks of at most ``block`` frames (copies), in order."""
    starts = np.arange(0, x.size - FRAME, hop)
    windows = np.lib.stride_tricks.sliding_window_view(x, FRAME)
    for first in range(0, starts.size, block):
        yield windows[starts[first : first + block]]
