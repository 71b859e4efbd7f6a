"""Decoding audio files into the raw sample scale tuneR gives the R pipeline."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vgr.errors import UnreadableAudioError

ANALYSED_SECONDS = 20
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


def read_audio(path: str | Path) -> Audio:
    """Read the first 20 s of the left channel of ``path``; decodes nothing beyond that."""
    import soundfile

    path = Path(path)
    if path.is_dir():
        raise UnreadableAudioError("is a directory, not an audio file", path)
    if not path.exists():
        reason = "broken symbolic link" if path.is_symlink() else "no such file"
        raise UnreadableAudioError(reason, path)
    if path.is_file() and path.stat().st_size == 0:
        raise UnreadableAudioError("empty file (0 bytes)", path)
    try:
        with open(path, "rb") as raw, soundfile.SoundFile(raw) as sound:
            sample_rate = int(sound.samplerate)
            total_frames = sound.frames
            data = sound.read(excerpt_length(sample_rate), dtype="float64", always_2d=True)
            subtype = sound.subtype
    except (soundfile.LibsndfileError, RuntimeError, TypeError) as error:
        raise UnreadableAudioError(f"cannot decode audio ({_short(error)})", path) from None
    except OSError as error:
        raise UnreadableAudioError(f"cannot open ({error.strerror or error})", path) from None
    full_scale, zero = _raw_scale(subtype)
    samples = np.ascontiguousarray(data[:, 0]) * full_scale + zero
    total_seconds = total_frames / sample_rate if total_frames > 0 else samples.size / sample_rate
    return Audio(samples, sample_rate, total_seconds, full_scale, zero)


def _short(error: Exception) -> str:
    text = str(error).strip().splitlines()[-1] if str(error).strip() else type(error).__name__
    # libsndfile repeats the path; keep only what it says about the content.
    return text.split(": ", 1)[-1] if text.startswith("Error opening") else text
