"""Reading a long file block by block: the left channel at the raw scale tuneR gives, and frame levels."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import numpy as np

from vgr.errors import AudioError, UnreadableAudioError
from vgr.features.audio import BLOCK_BYTES, DecoderMessages, _raw_scale, check_sample_rate, refuse_unopenable
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
        """The left channel at the raw scale, from the start, in blocks of a whole number of frames."""
        import soundfile

        self.sound.seek(0)
        channels = self.sound.channels
        size = max(self.frame, (BLOCK_BYTES // (8 * channels)) // self.frame * self.frame)
        buffer = np.empty((size, channels), dtype=np.float64)
        while True:
            try:
                with DecoderMessages():  # per block, so that stderr stays free for a progress bar in between
                    count = len(self.sound.read(out=buffer))
            except (soundfile.LibsndfileError, RuntimeError) as error:
                raise UnreadableAudioError(f"cannot decode audio ({error})".splitlines()[0], self.path) from None
            if count == 0:
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


def frame_levels(stream: Stream) -> np.ndarray:
    """dBFS of every 20 ms frame of the left channel (a trailing partial frame is left out).

    Eight bytes per frame: 2.9 MB for an hour, whatever the sample rate.
    """
    levels = []
    carry = np.empty(0)
    for block in stream.blocks():
        unit = stream.unit(block)
        if carry.size:
            unit = np.concatenate([carry, unit])
        whole = unit.size // stream.frame * stream.frame
        carry = unit[whole:].copy()
        if whole:
            power = np.mean(np.square(unit[:whole].reshape(-1, stream.frame)), axis=1)
            levels.append(10 * np.log10(power + 1e-12))
    if not levels:
        return np.empty(0)
    return np.concatenate(levels)
