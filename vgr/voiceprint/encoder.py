"""A speaker embedding ("d-vector") of a voice: Resemblyzer's pretrained LSTM encoder, run in numpy.

The weights (``encoder.npz``) are those of Resemblyzer 0.1.4 (Apache-2.0, see ``NOTICE``), a 3-layer LSTM
trained to tell thousands of speakers apart. Embeddings carry timbre (vocal tract, voice quality), which
the 20 voice.csv statistics do not: they are what lets a high-pitched male voice be told from a female one.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from importlib.resources import as_file, files

import numpy as np

RATE = 16000
WINDOW = 400  # 25 ms
HOP = 160  # 10 ms
MELS = 40
PARTIAL_FRAMES = 160  # 1.6 s per partial utterance
PARTIALS_PER_SECOND = 1.3
MIN_COVERAGE = 0.75
TARGET_DBFS = -30.0
LAYERS = 3


@lru_cache(maxsize=1)
def _weights() -> dict[str, np.ndarray]:
    with as_file(files("vgr.voiceprint") / "encoder.npz") as path, np.load(path, allow_pickle=False) as stored:
        return {name: stored[name] for name in stored.files}


def weights_sha256() -> str:
    import hashlib

    return hashlib.sha256((files("vgr.voiceprint") / "encoder.npz").read_bytes()).hexdigest()


def to_encoder_input(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """Float samples in [-1, 1] at any rate -> 16 kHz, quiet recordings raised to -30 dBFS (as Resemblyzer)."""
    samples = np.asarray(samples, dtype=np.float32)
    if sample_rate != RATE:
        import soxr  # what librosa.resample uses by default (soxr_hq), without librosa's 1.5 s import

        length = int(np.ceil(samples.size * RATE / sample_rate))  # librosa fixes the length to this
        resampled = soxr.resample(samples, sample_rate, RATE, quality="HQ").astype(np.float32)[:length]
        samples = np.pad(resampled, (0, length - resampled.size))
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))
    if rms > 0:
        gain_db = TARGET_DBFS - 20 * np.log10(rms)
        if gain_db > 0:
            samples = samples * np.float32(10 ** (gain_db / 20))
    return samples


def partial_slices(n_samples: int) -> list[slice]:
    """Frame ranges of the 1.6 s partial utterances, 1.3 per second, the last one kept if 75 % covered."""
    frames = int(np.ceil((n_samples + 1) / HOP))
    step = int(np.round((RATE / PARTIALS_PER_SECOND) / HOP))
    starts = range(0, max(1, frames - PARTIAL_FRAMES + step + 1), step)
    slices = [slice(start, start + PARTIAL_FRAMES) for start in starts]
    coverage = (n_samples - slices[-1].start * HOP) / (PARTIAL_FRAMES * HOP)
    if coverage < MIN_COVERAGE and len(slices) > 1:
        slices = slices[:-1]
    return slices


def mel_frames(samples: np.ndarray) -> np.ndarray:
    """(frames, 40) mel power spectrogram (not log), 25 ms windows every 10 ms.

    librosa.feature.melspectrogram's defaults, written out: centred frames (zero padding), periodic Hann
    window, power 2, Slaney mel filters (stored beside the weights, as librosa 0.11 computes them).
    """
    padded = np.pad(samples.astype(np.float32), WINDOW // 2)
    frames = np.lib.stride_tricks.sliding_window_view(padded, WINDOW)[::HOP]
    window = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(WINDOW) / WINDOW)).astype(np.float32)
    power = np.abs(np.fft.rfft(frames * window, axis=1)) ** 2
    return (power @ _weights()["mel_filters"].T).astype(np.float32)


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


@lru_cache(maxsize=1)
def _recurrent_weights() -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray], ...]:
    """Per layer: W_ih^T, W_hh^T and the summed biases, gate columns reordered i, f, o, g and made contiguous.

    The three sigmoid gates then sit side by side, so each time step takes one sigmoid and one tanh call.
    """
    w = _weights()
    size = w["lstm_weight_hh_l0"].shape[1]
    order = np.r_[0 : 2 * size, 3 * size : 4 * size, 2 * size : 3 * size]  # PyTorch's i, f, g, o -> i, f, o, g
    return tuple(
        (np.ascontiguousarray(w[f"lstm_weight_ih_l{layer}"][order].T),
         np.ascontiguousarray(w[f"lstm_weight_hh_l{layer}"][order].T),
         (w[f"lstm_bias_ih_l{layer}"] + w[f"lstm_bias_hh_l{layer}"])[order])
        for layer in range(LAYERS)
    )


def _lstm_last_hidden(sequences: np.ndarray) -> np.ndarray:
    """(batch, time, 40) -> the last layer's final hidden state (batch, 256), as PyTorch's LSTM computes it."""
    inputs = sequences
    for w_ih_t, w_hh_t, bias in _recurrent_weights():
        projected = inputs @ w_ih_t + bias  # all time steps at once
        batch, steps, _ = projected.shape
        size = w_hh_t.shape[0]
        h = np.zeros((batch, size), np.float32)
        c = np.zeros((batch, size), np.float32)
        outputs = np.empty((batch, steps, size), np.float32)
        for t in range(steps):
            gates = projected[:, t] + h @ w_hh_t
            ifo = sigmoid(gates[:, : 3 * size])
            c = ifo[:, size : 2 * size] * c + ifo[:, :size] * np.tanh(gates[:, 3 * size :])
            h = ifo[:, 2 * size :] * np.tanh(c)
            outputs[:, t] = h
        inputs = outputs
    return h


def fill_window(wav: np.ndarray) -> np.ndarray:
    """A clip shorter than one partial (1.6 s), repeated end to end until it fills one.

    Resemblyzer pads such a clip with silence, and the LSTM's final state then describes mostly silence: on
    0.5-0.8 s crops of speechocean762 recordings (trainable), the padded embedding's cosine to the same
    speaker's full-length embedding was 0.70 on average, the repeated one's 0.78. Longer clips are untouched.
    """
    window = PARTIAL_FRAMES * HOP
    if wav.size == 0 or wav.size >= window:
        return wav
    return np.tile(wav, -(-window // wav.size))


def _partial_frames(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """The mel frames of each 1.6 s partial of a clip, (partials, 160, 40), cut as Resemblyzer cuts them."""
    wav = fill_window(to_encoder_input(samples, sample_rate))
    slices = partial_slices(wav.size)
    needed = slices[-1].stop * HOP
    if needed >= wav.size:
        wav = np.pad(wav, (0, needed - wav.size))
    mel = mel_frames(wav)
    return np.stack([mel[s] for s in slices])


def _unit_partials(frames: np.ndarray) -> np.ndarray:
    """Each partial's embedding at unit length (an all-zero one stays zero)."""
    w = _weights()
    partial = np.maximum(_lstm_last_hidden(frames) @ w["linear_weight"].T + w["linear_bias"], 0.0)
    norms = np.linalg.norm(partial, axis=1, keepdims=True)
    return partial / np.where(norms > 0, norms, 1.0)


def _one_blas_thread():
    """Small matrix products (the mel filters, 480 LSTM steps): BLAS threads only spin against each other
    (16x slower beside a busy core, and twice the CPU time even on an idle machine)."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


def embed(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """The 256-d unit-length embedding of a recording: the normalised mean of its partial embeddings."""
    with _one_blas_thread():
        partial = _unit_partials(_partial_frames(samples, sample_rate))
    mean = partial.mean(axis=0)
    return (mean / np.linalg.norm(mean)).astype(np.float64)


def embed_many(clips: list[np.ndarray], sample_rate: int | Sequence[int]) -> np.ndarray:
    """``embed`` of each clip, (clips, 256): the partials of all clips go through the LSTM as one batch.

    ``sample_rate`` is the clips' common rate, or one rate per clip.
    The same numbers as ``[embed(clip, sample_rate) for clip in clips]`` (to float rounding), several times
    faster on many short clips, where one clip's two or three partials leave the matrix products tiny.
    """
    if not clips:
        return np.empty((0, 256), dtype=np.float64)
    rates = [sample_rate] * len(clips) if isinstance(sample_rate, (int, np.integer)) else list(sample_rate)
    with _one_blas_thread():
        frames = [_partial_frames(clip, rate) for clip, rate in zip(clips, rates, strict=True)]
        partial = _unit_partials(np.concatenate(frames))
    owners = np.repeat(np.arange(len(clips)), [len(f) for f in frames])
    sums = np.zeros((len(clips), partial.shape[1]), dtype=np.float64)
    np.add.at(sums, owners, partial)
    means = sums / np.bincount(owners, minlength=len(clips))[:, None]
    return means / np.linalg.norm(means, axis=1, keepdims=True)
