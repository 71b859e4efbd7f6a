"""The 20 voice.csv features from a signal or a file."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from vgr.errors import AudioError, NoVoicedAudioError, TooShortError
from vgr.features.audio import MAX_SAMPLE_RATE, MIN_SAMPLE_RATE  # noqa: F401 (re-exported)
from vgr.features.audio import check_sample_rate, excerpt_length, read_audio
from vgr.features.dominant import dominant_track, modulation_index
from vgr.features.framing import FRAME
from vgr.features.fundamental import fundamental_track
from vgr.features.names import FEATURE_NAMES
from vgr.features.spectrum import spectral_statistics

def _validated(samples: object, sample_rate: object) -> tuple[np.ndarray, int]:
    rate = check_sample_rate(sample_rate)
    x = np.asarray(samples, dtype=np.float64)
    if x.ndim == 2:
        x = x[:, 0]  # channels in columns, as soundfile gives them: the left one, like seewave
    if x.ndim != 1:
        raise AudioError(f"expected a 1-D signal, got an array of shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise AudioError("signal contains NaN or infinite samples")
    return x, rate


def compute_features(samples: object, sample_rate: int) -> dict[str, float]:
    """The 20 features of the first 20 s of ``samples`` (raw scale), as the R pipeline computed them.

    Raises ``TooShortError`` under 2049 samples and ``NoVoicedAudioError`` for silence or when a
    pitch or dominant-frequency track has no measured frame.
    """
    x, rate = _validated(samples, sample_rate)
    x = x[: excerpt_length(rate)]
    if x.size <= FRAME:
        raise TooShortError(f"too short: {x.size} samples, need at least {FRAME + 1} ({(FRAME + 1) / rate:.3f} s)")
    if not np.any(x != x[0]):
        raise NoVoicedAudioError("no voiced audio (the signal is constant)")
    f0 = fundamental_track(x, rate)
    dominant = dominant_track(x, rate)
    if np.all(np.isnan(f0)) or np.all(np.isnan(dominant)):
        raise NoVoicedAudioError("no voiced audio (no frame with a measurable pitch)")
    features = spectral_statistics(x, rate)
    features.update(
        meanfun=float(np.nanmean(f0)) / 1000,
        minfun=float(np.nanmin(f0)) / 1000,
        maxfun=float(np.nanmax(f0)) / 1000,
        meandom=float(np.nanmean(dominant)) / 1000,
        mindom=float(np.nanmin(dominant)) / 1000,
        maxdom=float(np.nanmax(dominant)) / 1000,
    )
    features["dfrange"] = features["maxdom"] - features["mindom"]
    features["modindx"] = modulation_index(dominant)
    if not all(np.isfinite(value) for value in features.values()):
        raise NoVoicedAudioError("no voiced audio (the features are undefined)")
    return {name: features[name] for name in FEATURE_NAMES}


def extract_features(path_or_samples: object, sample_rate: int | None = None) -> dict[str, float]:
    """Features of an audio file (path) or of a signal (array + ``sample_rate``).

    File errors name the file; the array path and the file path give identical numbers.
    """
    if isinstance(path_or_samples, (str, Path)):
        if sample_rate is not None:
            raise TypeError("sample_rate is read from the file; pass it only with an array")
        audio = read_audio(path_or_samples)
        try:
            return compute_features(audio.samples, audio.sample_rate)
        except AudioError as error:
            raise error.for_source(path_or_samples) from None
    if sample_rate is None:
        raise TypeError("sample_rate is required when passing samples")
    return compute_features(path_or_samples, sample_rate)
