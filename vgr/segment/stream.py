"""Reading a long file block by block: the left channel at the raw scale tuneR gives, and frame levels."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import numpy as np

from vgr.errors import AudioError, UnreadableAudioError
from vgr.features.audio import (BLOCK_BYTES, DecoderMessages, _raw_scale, check_sample_rate, refuse_mostly_corrupt,
                                refuse_unopenable)
from vgr.files import open_regular

FRAME_SECONDS = 0.02  # one level per 20 ms


class Stream:
    """An open audio file: ``rate``, ``full_scale``/``zero`` (see ``vgr.features.audio.Audio``), and blocks."""

    def __init__(self, sound, path: Path) -> None:
        self.sound, self.path = sound, path
        self.rate = check_sample_rate(sound.samplerate)
        self.full_scale, self.zero = _raw_scale(sound.subtype)
        self.frame = max(1, int(round(FRAME_SECONDS * self.rate)))

    def blocks(self) -> Iterator[np.ndarray]:
        """The left channel at the raw scale, from the start, in blocks of a whole number of frames.

        As for ``vgr predict``, an MPEG file whose decoder reported errors for at least half of its frames is
        refused once the whole file has been read (``UnreadableAudioError``), not segmented as what decoded.
        """
        import soundfile

        self.sound.seek(0)
        channels = self.sound.channels
        size = max(self.frame, (BLOCK_BYTES // (8 * channels)) // self.frame * self.frame)
        buffer = np.empty((size, channels), dtype=np.float64)
        errors = decoded = 0
        while True:
            try:
                with DecoderMessages() as messages:  # per block, so that stderr stays free for a progress bar
                    count = len(self.sound.read(out=buffer))
            except (soundfile.LibsndfileError, RuntimeError) as error:
                raise UnreadableAudioError(f"cannot decode audio ({error})".splitlines()[0], self.path) from None
            errors += messages.errors
            decoded += count
            if count == 0:
                refuse_mostly_corrupt(self.sound.subtype, self.rate, decoded, errors, self.path)
                return
            left = buffer[:count, 0] * self.full_scale
            left += self.zero
            yield left

    def unit(self, raw: np.ndarray) -> np.ndarray:
        """Raw samples as floats in [-1, 1]."""
        return (raw - self.zero) / self.full_scale


@contextmanager
def open_stream(path: str | Path) -> Iterator[Stream]:
    """Open ``path`` for block reading; ``AudioError`` naming it for anything that is not readable audio.

    Only the opening is guarded here (errors raised by the caller's own code pass through unchanged); decoding
    errors met later are raised by ``Stream.blocks``. The decoder's own messages are captured while it opens the
    file and while it decodes each block.
    """
    import soundfile

    path = refuse_unopenable(path)
    stack = ExitStack()
    try:
        raw = stack.enter_context(open_regular(path))
        with DecoderMessages():
            sound = stack.enter_context(soundfile.SoundFile(raw))
        opened = Stream(sound, path)
    except BaseException as error:
        stack.close()
        if isinstance(error, AudioError):
            raise (error if error.source else error.for_source(path)) from None
        if isinstance(error, (soundfile.LibsndfileError, RuntimeError, TypeError)):
            text = str(error).strip().splitlines()[-1] if str(error).strip() else type(error).__name__
            raise UnreadableAudioError(f"cannot decode audio ({text.split(': ', 1)[-1]})", path) from None
        if isinstance(error, OSError):
            raise UnreadableAudioError(f"cannot open ({error.strerror or error})", path) from None
        raise
    with stack:
        yield opened


# A DC offset is not sound, but it raises the floor over the words: 0.003 (-50 dBFS) hid a third of the speech in
# trainable mixtures (bench/README.md, "Recording conditions"). 0 measures the samples as they are.
HIGH_PASS_HZ = 20.0


class LevelMeter:
    """dBFS of every whole 20 ms ``frame`` of samples fed in blocks, measured above ``HIGH_PASS_HZ``: a 4th-order
    Butterworth high-pass whose state runs on from block to block (its start settled on the first sample, so
    that a DC offset gives no click)."""

    def __init__(self, rate: int, frame: int) -> None:
        from scipy.signal import butter

        self.frame = frame
        self.sos = butter(4, HIGH_PASS_HZ, "highpass", fs=rate, output="sos") if HIGH_PASS_HZ > 0 else None
        self.state = None
        self.carry = np.empty(0)

    def feed(self, samples: np.ndarray) -> np.ndarray:
        from scipy.signal import sosfilt, sosfilt_zi

        filtered = np.asarray(samples, dtype=np.float64)
        if filtered.size == 0:
            return np.empty(0)
        if self.sos is not None:
            # A NaN or infinite sample would stay in the filter's state and silence the rest of the file: it is
            # measured as silence, its own frame alone.
            filtered = np.where(np.isfinite(filtered), filtered, 0.0)
            if self.state is None:
                self.state = sosfilt_zi(self.sos) * filtered[0]
            filtered, self.state = sosfilt(self.sos, filtered, zi=self.state)
        if self.carry.size:
            filtered = np.concatenate([self.carry, filtered])
        whole = filtered.size // self.frame * self.frame
        self.carry = filtered[whole:].copy()
        power = np.mean(np.square(filtered[:whole].reshape(-1, self.frame)), axis=1)
        return 10 * np.log10(power + 1e-12)


def levels_of(samples: np.ndarray, rate: int) -> np.ndarray:
    """``frame_levels`` of samples held in memory (floats in [-1, 1])."""
    return LevelMeter(rate, max(1, int(round(FRAME_SECONDS * rate)))).feed(samples)


def frame_levels(stream: Stream) -> np.ndarray:
    """dBFS of every 20 ms frame of the left channel above ``HIGH_PASS_HZ`` (a trailing partial frame is left out).

    Eight bytes per frame: 2.9 MB for an hour, whatever the sample rate.
    """
    meter = LevelMeter(stream.rate, stream.frame)
    levels = [meter.feed(stream.unit(block)) for block in stream.blocks()]
    return np.concatenate(levels) if levels else np.empty(0)
