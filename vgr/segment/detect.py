"""Where the speech is: the energy detector's regions, kept only where silero-vad's network hears speech.

The energy detector (``vgr.segment.activity``) finds sound that rises and falls, speech or music alike;
silero-vad (``vgr.segment.silero``) tells speech from music but cuts every pause of 0.1 s. So a 20 ms frame is
speech when the energy detector says so and silero-vad found speech within ``WIDEN_SECONDS`` of it; what is
left is dropped below ``activity.MIN_SPEECH_SECONDS``. Loud runs up to a word long that the energy detector's
test rejects (too short, or steady: a short word's middle is one vowel) are speech where silero-vad itself hears
them (``vouched``). silero-vad misses quiet words (a third of short words played 30 dB down), so it hears each
stretch the energy detector found raised to speech level (``gains``).
Without onnxruntime the energy detector decides alone (``vetoes()`` is then False: the CLI says so in one line).
"""

from __future__ import annotations

import numpy as np

from vgr.segment import activity, silero

WIDEN_SECONDS = 2.0  # chosen on trainable mixtures and the development music (bench/README.md, "Speech detectors")
SPEECH_LEVEL_DB = -20.0  # where silero-vad hears each stretch: trainable speech's loud frames sit near -18 dBFS
MAX_GAIN_DB = 40.0  # so that hiss a stretch barely rises over is not raised to speech level
# silero-vad vouches for loud runs of a word's length that the energy detector's own test rejects; longer steady
# runs stay out, since silero-vad hears some steady tones as speech (bench/README.md, "Short words")
VOUCHED_SECONDS = 0.1
VOUCHED_LONGEST = 1.0


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


def vouched(loud: np.ndarray, voice: list[tuple[float, float]], step: float) -> np.ndarray:
    """The runs of ``loud`` frames (``step`` s each) of ``VOUCHED_SECONDS`` to ``VOUCHED_LONGEST`` that lie at
    least half inside silero-vad's ``voice`` regions (not widened): words too short or too steady for the
    energy detector's own test."""
    heard = np.zeros(loud.size, dtype=bool)
    for start, end in voice:
        heard[max(0, int(round(start / step))) : max(0, int(round(end / step)))] = True
    kept = np.zeros(loud.size, dtype=bool)
    least, most = max(1, int(round(VOUCHED_SECONDS / step))), int(round(VOUCHED_LONGEST / step))
    for start, stop in activity.runs(loud):
        if least <= stop - start <= most and 2 * int(heard[start:stop].sum()) >= stop - start:
            kept[start:stop] = True
    return kept


def gains(levels: np.ndarray, speech: np.ndarray) -> np.ndarray:
    """A factor per frame raising each run of ``speech`` so its loud frames (95th percentile of its ``levels``,
    dBFS) sit at ``SPEECH_LEVEL_DB``, never lowering one; frames between runs take the nearest run's factor."""
    found = activity.runs(speech)
    if not found:
        return np.ones(levels.size)
    raise_db = [float(np.clip(SPEECH_LEVEL_DB - np.percentile(levels[a:b], 95), 0.0, MAX_GAIN_DB)) for a, b in found]
    # Runs are in order: a frame belongs to the run whose midpoint to the next run's start it has not passed.
    bounds = [(stop + start) // 2 for (_, stop), (start, _) in zip(found, found[1:])]
    owner = np.searchsorted(np.asarray(bounds, dtype=np.int64), np.arange(levels.size), side="right")
    return 10 ** (np.asarray(raise_db)[owner] / 20)


def voice_regions(blocks, rate: int, frame_gains: np.ndarray | None = None,
                  frame: int = 1) -> list[tuple[float, float]]:
    """silero-vad's speech regions (seconds) in ``blocks`` of floats in [-1, 1] at ``rate``, read once; each
    sample first multiplied by its ``frame``-sample frame's factor in ``frame_gains`` (the last one past them)."""
    import soxr

    network = silero.Silero()
    resampler = None if rate == silero.RATE else soxr.ResampleStream(rate, silero.RATE, 1, dtype="float32")
    probabilities, samples = [], 0
    for block in blocks:
        if frame_gains is not None and frame_gains.size:
            at = np.minimum((samples + np.arange(block.size)) // frame, frame_gains.size - 1)
            block = np.clip(block * frame_gains[at], -1.0, 1.0)
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
    loud = activity.loud_frames(levels, step)
    speech = activity.speech_frames(levels, step, loud)
    if blocks is not None and vetoes() and loud.any():
        raised = gains(levels, speech if speech.any() else loud)
        heard = voice_regions(blocks, rate, raised, int(round(step * rate)))
        speech = gated(speech, heard, step) | vouched(loud, heard, step)
    return [(start * step, stop * step) for start, stop in activity.runs(speech)]
