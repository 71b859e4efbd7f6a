"""Decoding audio files into the raw sample scale tuneR gives the R pipeline."""

from __future__ import annotations

import os
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vgr.errors import AudioError, UnreadableAudioError
from vgr.files import file_problem, open_regular

ANALYSED_SECONDS = 20
MIN_SAMPLE_RATE = 2001  # below this seewave's dominant-frequency band is empty
# The highest standard rate. The pitch search looks for quefrencies of at most 280 Hz within a 2048-sample frame,
# which leaves no candidate at all above 286,439 Hz; and memory grows with the rate (see read_audio).
MAX_SAMPLE_RATE = 192_000
BLOCK_BYTES = 4 * 2**20  # decoded at a time, all channels together
AUDIO_SUFFIXES = frozenset({".wav", ".flac", ".ogg", ".oga", ".mp3", ".aiff", ".aif", ".au"})

# tuneR keeps integer PCM at its integer scale; soundfile hands out floats in [-1, 1).
_INTEGER_SCALE = {"PCM_S8": 2.0**7, "PCM_16": 2.0**15, "PCM_24": 2.0**23, "PCM_32": 2.0**31}
_FLOAT_SUBTYPES = frozenset({"FLOAT", "DOUBLE"})
# Lossy codecs have no integer scale; treat them as 16-bit, the scale they usually came from.
_DEFAULT_SCALE = 2.0**15


@dataclass(frozen=True)
class Audio:
    """The analysed excerpt of a file: left channel, raw scale, at most 20 s."""

    samples: np.ndarray
    sample_rate: int
    total_seconds: float
    full_scale: float = 1.0  # raw value of a full-scale sample: samples / full_scale lies in [-1, 1]
    zero: float = 0.0  # raw value of silence (128 for unsigned 8-bit)

    def unit_samples(self) -> np.ndarray:
        """The excerpt as floats in [-1, 1], what most audio tools expect."""
        return (self.samples - self.zero) / self.full_scale


def excerpt_length(sample_rate: int) -> int:
    """Samples in the analysed excerpt: round(20 f)."""
    return int(round(ANALYSED_SECONDS * sample_rate))


def _raw_scale(subtype: str) -> tuple[float, float]:
    """(full scale, zero) of tuneR's raw values for this sample format."""
    if subtype == "PCM_U8":
        return 128.0, 128.0  # tuneR reads unsigned 8-bit as 0..255
    if subtype in _FLOAT_SUBTYPES:
        return 1.0, 0.0
    return _INTEGER_SCALE.get(subtype, _DEFAULT_SCALE), 0.0


def check_sample_rate(sample_rate: object) -> int:
    """The rate as an int if the analysis supports it; ``AudioError`` otherwise."""
    if sample_rate is None or int(sample_rate) != sample_rate or int(sample_rate) < MIN_SAMPLE_RATE:
        raise AudioError(f"sample rate {sample_rate} Hz is not supported (need a whole number >= {MIN_SAMPLE_RATE})")
    if int(sample_rate) > MAX_SAMPLE_RATE:
        raise AudioError(f"sample rate {sample_rate} Hz is not supported (the highest is {MAX_SAMPLE_RATE} Hz)")
    return int(sample_rate)


def refuse_unopenable(path: str | Path) -> Path:
    """``path`` if it is a non-empty regular file; otherwise ``UnreadableAudioError`` saying what it is instead."""
    path = Path(path)
    problem = file_problem(path)
    if problem:
        raise UnreadableAudioError("is a directory, not an audio file" if problem == "is a directory" else problem, path)
    if path.stat().st_size == 0:
        raise UnreadableAudioError("empty file (0 bytes)", path)
    return path


def read_audio(path: str | Path) -> Audio:
    """Read the first 20 s of the left channel of ``path``; decodes nothing beyond that.

    Only regular files are opened (a FIFO or a device is refused before ``open``). The sample rate is checked
    before any sample is decoded, and the left channel is decoded in blocks of at most ``BLOCK_BYTES``, so one
    file never needs more than ``20 s x MAX_SAMPLE_RATE x 8`` bytes (46 MB) plus one block, however many channels
    it has. The decoder's own messages are captured; an MPEG file whose decoder reports errors for at least half
    of its frames is refused as undecodable.
    """
    import soundfile

    path = refuse_unopenable(path)
    noise = DecoderMessages()
    try:
        with noise, open_regular(path) as raw, soundfile.SoundFile(raw) as sound:
            sample_rate = check_sample_rate(sound.samplerate)
            total_frames = sound.frames
            subtype = sound.subtype
            samples = _left_channel(sound, excerpt_length(sample_rate))
    except AudioError as error:
        raise error.for_source(path) from None
    except (soundfile.LibsndfileError, RuntimeError, TypeError) as error:
        raise UnreadableAudioError(f"cannot decode audio ({_short(error)})", path) from None
    except OSError as error:
        raise UnreadableAudioError(f"cannot open ({error.strerror or error})", path) from None
    refuse_mostly_corrupt(subtype, sample_rate, samples.size, noise.errors, path)
    full_scale, zero = _raw_scale(subtype)
    samples *= full_scale
    samples += zero
    total_seconds = total_frames / sample_rate if total_frames > 0 else samples.size / sample_rate
    return Audio(samples, sample_rate, total_seconds, full_scale, zero)


def _left_channel(sound, wanted: int) -> np.ndarray:
    """Up to ``wanted`` frames of the first channel, read ``BLOCK_BYTES`` of all channels at a time."""
    block = np.empty((max(1, BLOCK_BYTES // (8 * sound.channels)), sound.channels), dtype=np.float64)
    capacity = min(wanted, sound.frames) if sound.frames > 0 else wanted
    left = np.empty(capacity, dtype=np.float64)
    size = 0
    while size < wanted:
        count = len(sound.read(out=block[: wanted - size]))
        if count == 0:
            break
        if size + count > left.size:  # the header under-counted its frames
            left = np.resize(left, min(wanted, max(2 * left.size, size + count)))
        left[size : size + count] = block[:count, 0]
        size += count
    return left if size == left.size else left[:size].copy()


def refuse_mostly_corrupt(subtype: str, sample_rate: int, samples: int, errors: int, path: Path) -> None:
    """``UnreadableAudioError`` if the decoder reported ``errors`` for at least half of the MPEG frames that
    decoded to ``samples`` per channel (never for other formats)."""
    frames = _mpeg_frames(subtype, sample_rate, samples)
    if frames and errors * 2 >= frames:
        raise UnreadableAudioError(
            f"cannot decode audio (the decoder reported {errors} errors in {frames} MPEG frames)", path)


def _mpeg_frames(subtype: str, sample_rate: int, samples: int) -> int:
    """MPEG frames that decoded to ``samples`` per channel (0 for other formats)."""
    per_frame = {"MPEG_LAYER_I": 384, "MPEG_LAYER_II": 1152,
                 "MPEG_LAYER_III": 1152 if sample_rate >= 32000 else 576}.get(subtype)  # 576: MPEG-2 rates
    return 0 if per_frame is None else -(-samples // per_frame)


class DecoderMessages:
    """Sends file descriptor 2 to a temporary file meanwhile, and counts the error lines written there.

    libmpg123 (which libsndfile uses for MP3) prints its complaints itself, one or more lines per bad frame.
    The redirection is process-wide; a lock keeps two threads of one process from interleaving it.
    """

    _lock = threading.Lock()
    LIMIT = 2**20  # bytes of messages read back to count them

    def __init__(self) -> None:
        self.errors = 0

    def __enter__(self) -> "DecoderMessages":
        self._lock.acquire()
        self._capture = self._saved = None
        try:
            sys.stderr.flush()
            self._capture = tempfile.TemporaryFile()
            self._saved = os.dup(2)
            os.dup2(self._capture.fileno(), 2)
        except OSError:  # no descriptor 2 (a daemon) or no temporary folder: decode without capturing
            self._restore()
        except BaseException:
            self._restore()
            raise
        return self

    def __exit__(self, *exc) -> None:
        if self._saved is not None:
            os.dup2(self._saved, 2)
            self._capture.seek(0)
            text = self._capture.read(self.LIMIT).lower()
            self.errors = sum(b"error" in line for line in text.splitlines())
        self._restore()

    def _restore(self) -> None:
        try:
            if self._saved is not None:
                os.close(self._saved)
            if self._capture is not None:
                self._capture.close()
        finally:
            self._saved = self._capture = None
            self._lock.release()


def _short(error: Exception) -> str:
    text = str(error).strip().splitlines()[-1] if str(error).strip() else type(error).__name__
    # libsndfile repeats the path; keep only what it says about the content.
    return text.split(": ", 1)[-1] if text.startswith("Error opening") else text
