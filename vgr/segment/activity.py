"""Where the speech is: frame levels relative to the recording's own noise floor, kept when they move.

Pure functions of the 20 ms frame levels (dBFS). The settings were fixed a priori, not tuned on any corpus, but
``ABSOLUTE_DB``, compared on trainable mixtures once silero-vad guarded against noise and music:

- the noise floor is the 5th percentile of the levels, so a recording that is mostly speech still has one;
- a frame is loud when it is 30 % of the recording's range (its 99th percentile less the floor) above the floor,
  at least ``MIN_MARGIN_DB`` and at most ``MARGIN_DB``, and above ``ABSOLUTE_DB``;
- pauses shorter than ``BRIDGE_SECONDS`` between loud frames are bridged (hangover);
- speech rises and falls with its syllables, a steady tone, hum or noise does not: a loud stretch is kept only
  if its level deviates by at least ``MODULATION_DB`` (standard deviation, leaving out ``EDGE_SECONDS`` at
  each end, the onset and decay) and lasts ``MIN_SPEECH_SECONDS``.
"""

from __future__ import annotations

import numpy as np

FLOOR_PERCENTILE = 5
MIN_MARGIN_DB = 4.0
MARGIN_DB = 12.0
ABSOLUTE_DB = -60.0  # -55 lost the quiet ends of words on trainable mixtures (bench/README.md, "Speech detectors")
MODULATION_DB = 3.0
EDGE_SECONDS = 0.1
BRIDGE_SECONDS = 0.3
MIN_SPEECH_SECONDS = 0.3


def threshold(levels: np.ndarray) -> float:
    """The level a speech frame must exceed: the floor plus 30 % of the range above it, within 4 to 12 dB."""
    floor = float(np.percentile(levels, FLOOR_PERCENTILE))
    span = float(np.percentile(levels, 99)) - floor
    return max(ABSOLUTE_DB, floor + float(np.clip(0.3 * span, MIN_MARGIN_DB, MARGIN_DB)))


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) frame ranges where ``mask`` is true."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist()))


def loud_frames(levels: np.ndarray, frame_seconds: float) -> np.ndarray:
    """True for each frame above the ``threshold``, pauses shorter than ``BRIDGE_SECONDS`` between them bridged."""
    if levels.size == 0:
        return np.zeros(0, dtype=bool)
    floored = np.maximum(levels, -120.0)
    loud = floored > threshold(floored)
    bridge = int(round(BRIDGE_SECONDS / frame_seconds))
    for start, stop in runs(~loud):
        if 0 < start and stop < loud.size and stop - start < bridge:
            loud[start:stop] = True
    return loud


def speech_frames(levels: np.ndarray, frame_seconds: float, loud: np.ndarray | None = None) -> np.ndarray:
    """True for each frame judged speech: the runs of ``loud`` (default ``loud_frames``) that last and move."""
    speech = loud_frames(levels, frame_seconds) if loud is None else loud.copy()
    floored = np.maximum(levels, -120.0)
    shortest = int(round(MIN_SPEECH_SECONDS / frame_seconds))
    edge = int(round(EDGE_SECONDS / frame_seconds))
    for start, stop in runs(speech):
        inside = floored[start + edge : stop - edge] if stop - start > 3 * edge else floored[start:stop]
        if stop - start < shortest or float(np.std(inside)) < MODULATION_DB:
            speech[start:stop] = False
    return speech


def speech_regions(levels: np.ndarray, frame_seconds: float) -> list[tuple[float, float]]:
    """(start, end) seconds of each stretch of speech."""
    return [(start * frame_seconds, stop * frame_seconds) for start, stop in runs(speech_frames(levels, frame_seconds))]
