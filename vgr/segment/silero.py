"""Where the speech is, by silero-vad's network: its 16 kHz ONNX model, run by onnxruntime on numpy arrays.

The model (``silero_vad_16k_op15.onnx``, 1.3 MB, MIT, see ``LICENSE.silero-vad``) ships inside vgr, copied from
the ``silero-vad`` 6.2.3 wheel; only ``onnxruntime`` is needed (``pip install vgr[vad]``), not torch. It gives a
speech probability for every 512 samples (32 ms) at 16 kHz, each chunk seen with the 64 samples before it and
the network's state; ``speech_regions`` then follows silero-vad's ``get_speech_timestamps`` at its defaults.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

MODEL = Path(__file__).with_name("silero_vad_16k_op15.onnx")
RATE = 16000
CHUNK = 512
CONTEXT = 64
THRESHOLD = 0.5  # silero-vad's defaults
NEG_THRESHOLD = THRESHOLD - 0.15
MIN_SPEECH_SECONDS = 0.25
MIN_SILENCE_SECONDS = 0.1
PAD_SECONDS = 0.03


def available() -> bool:
    """True when onnxruntime can be imported (the model itself always ships)."""
    from importlib.util import find_spec

    return find_spec("onnxruntime") is not None


LEAD = 31  # chunks (1 s) each piece of a batch is run over before its own, to settle the network's state
PIECE = 125  # chunks (4 s) per piece
BATCH = 16  # pieces run side by side: 4x faster than one chunk at a time


@lru_cache(maxsize=1)
def _session():
    """One onnxruntime session for the process: building one takes ~20 ms, a quarter of the time a 5 s file
    takes to segment. A session is stateless (the network's state is an input), so every ``Silero`` shares it."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.inter_op_num_threads = options.intra_op_num_threads = 1
    options.log_severity_level = 3
    return onnxruntime.InferenceSession(str(MODEL), sess_options=options, providers=["CPUExecutionProvider"])


class Silero:
    """Feed 16 kHz samples in blocks of any size; get one probability per 512-sample chunk, in order.

    The audio is cut into 4 s pieces, each run from a zero state over the 1 s before it (its lead-in, left
    out of the output), 16 pieces side by side in one batch. Memory: one batch, 80 s of samples. The
    probabilities differ a little from one run over the whole file (the network remembers more than 1 s): on
    5 trainable mixtures, 0.6-5 % of the chunks fall on the other side of 0.5.
    """

    def __init__(self) -> None:
        self.session = _session()
        self.held = np.zeros(LEAD * CHUNK, dtype=np.float32)  # the lead-in of the next piece, then what is unread
        self.rate = np.array(RATE, dtype=np.int64)

    def feed(self, samples: np.ndarray) -> np.ndarray:
        self.held = np.concatenate([self.held, np.asarray(samples, dtype=np.float32)])
        out = []
        while self.held.size >= (LEAD + BATCH * PIECE) * CHUNK:
            out.append(self._run(BATCH))
        return np.concatenate(out) if out else np.empty(0, dtype=np.float32)

    def finish(self) -> np.ndarray:
        """The rest, its last partial chunk padded with zeros as silero-vad does."""
        unread = self.held.size - LEAD * CHUNK
        if unread <= 0:
            return np.empty(0, dtype=np.float32)
        chunks = -(-unread // CHUNK)
        pieces = -(-chunks // PIECE)
        self.held = np.concatenate([self.held, np.zeros((LEAD + pieces * PIECE) * CHUNK - self.held.size,
                                                        dtype=np.float32)])
        return self._run(pieces)[:chunks]

    def _run(self, pieces: int) -> np.ndarray:
        """The probabilities of the next ``pieces`` pieces (each with its lead-in), dropped from ``held``."""
        width = (LEAD + PIECE) * CHUNK
        rows = np.stack([self.held[k * PIECE * CHUNK : k * PIECE * CHUNK + width] for k in range(pieces)])
        state = np.zeros((2, pieces, 128), dtype=np.float32)
        context = np.zeros((pieces, CONTEXT), dtype=np.float32)
        out = np.empty((pieces, LEAD + PIECE), dtype=np.float32)
        for k in range(LEAD + PIECE):
            chunk = rows[:, k * CHUNK : (k + 1) * CHUNK]
            window = np.concatenate([context, chunk], axis=1)
            probability, state = self.session.run(None, {"input": window, "state": state, "sr": self.rate})
            out[:, k] = probability[:, 0]
            context = chunk[:, -CONTEXT:]
        self.held = self.held[pieces * PIECE * CHUNK :]
        return out[:, LEAD:].reshape(-1)


def probabilities(samples: np.ndarray) -> np.ndarray:
    """Speech probability of every 32 ms of ``samples`` (16 kHz, floats in [-1, 1])."""
    silero = Silero()
    return np.concatenate([silero.feed(samples), silero.finish()])


def speech_regions(probs: np.ndarray, seconds: float | None = None) -> list[tuple[float, float]]:
    """(start, end) seconds of speech, as silero-vad's ``get_speech_timestamps`` finds them at its defaults.

    Speech starts at a chunk of probability >= 0.5 and ends at the first of a run of chunks under 0.35 lasting
    0.1 s; runs no longer than 0.25 s are dropped, and each run is widened by 30 ms (by half the gap when two
    are closer than 60 ms). ``seconds`` is the length of the audio (default: that of the chunks).
    """
    chunk = CHUNK / RATE
    length = probs.size * chunk if seconds is None else seconds
    found, start, quiet_from = [], None, None
    for k, p in enumerate(np.asarray(probs, dtype=np.float64)):
        at = k * chunk
        if p >= THRESHOLD:
            quiet_from = None
            if start is None:
                start = at
                continue
        if start is not None and p < NEG_THRESHOLD:
            quiet_from = at if quiet_from is None else quiet_from
            if at - quiet_from >= MIN_SILENCE_SECONDS - 1e-9:
                if quiet_from - start > MIN_SPEECH_SECONDS:
                    found.append([start, quiet_from])
                start = quiet_from = None
    if start is not None and length - start > MIN_SPEECH_SECONDS:
        found.append([start, length])
    for k, region in enumerate(found):
        if k == 0:
            region[0] = max(0.0, region[0] - PAD_SECONDS)
        if k + 1 < len(found):
            gap = found[k + 1][0] - region[1]
            widen = gap / 2 if gap < 2 * PAD_SECONDS else PAD_SECONDS
            region[1] += widen
            found[k + 1][0] -= widen
        else:
            region[1] = min(length, region[1] + PAD_SECONDS)
    return [(a, b) for a, b in found]
