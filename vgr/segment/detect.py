"""Where the speech is: the energy detector's regions, kept only where silero-vad's network hears speech.

The energy detector (``vgr.segment.activity``) finds sound that rises and falls, speech or music alike;
silero-vad (``vgr.segment.silero``) tells speech from music but cuts every pause of 0.1 s. So a 20 ms frame is
speech when the energy detector says so and silero-vad found speech within ``WIDEN_SECONDS`` of it; what is
left is dropped below ``activity.MIN_SPEECH_SECONDS``. Without onnxruntime the energy detector decides alone
(``vetoes()`` is then False: the CLI says so in one line).
"""

from __future__ import annotations

import numpy as np

from vgr.segment import activity, silero

WIDEN_SECONDS = 2.0  # chosen on trainable mixtures and the development music (bench/README.md, "Speech detectors")


def vetoes() -> bool:
    """True when silero-vad can run (onnxruntime is installed), so that music is rejected."""
    return silero.available()


def gated(speech: np.ndarray, voice: list[tuple[float, float]], step: float,
          widen: float = WIDEN_SECONDS) -> np.ndarray:
    """``speech`` frames (``step`` s each) within ``widen`` s of a ``voice`` region, runs too short dropped."""
    near = np.zeros(speech.size, dtype=bool)
    for start, end in voice:
        near[max(0, int(np.floor((start - widen) / step))) : max(0, int(np.ceil((end + widen) / step)))] = True
    kept = speech & near
    shortest = int(round(activity.MIN_SPEECH_SECONDS / step))
    for start, stop in activity.runs(kept):
        if stop - start < shortest:
            kept[start:stop] = False
    return kept


def voice_regions(blocks, rate: int) -> list[tuple[float, float]]:
    """silero-vad's speech regions (seconds) in ``blocks`` of floats in [-1, 1] at ``rate``, read once."""
    import soxr

    network = silero.Silero()
    resampler = None if rate == silero.RATE else soxr.ResampleStream(rate, silero.RATE, 1, dtype="float32")
    probabilities, samples = [], 0
    for block in blocks:
        samples += block.size
        if resampler is not None:
            block = resampler.resample_chunk(block.astype(np.float32))
        probabilities.append(network.feed(block))
    if resampler is not None:
        probabilities.append(network.feed(resampler.resample_chunk(np.empty(0, dtype=np.float32), last=True)))
    probabilities.append(network.finish())
    return silero.speech_regions(np.concatenate(probabilities), samples / rate)


def speech_regions(levels: np.ndarray, step: float, blocks=None, rate: int = 16000) -> list[tuple[float, float]]:
    """(start, end) seconds of speech from the frame ``levels`` and, if silero-vad can run, the ``blocks``."""
    speech = activity.speech_frames(levels, step)
    if blocks is not None and vetoes() and speech.any():
        speech = gated(speech, voice_regions(blocks, rate), step)
    return [(start * step, stop * step) for start, stop in activity.runs(speech)]
