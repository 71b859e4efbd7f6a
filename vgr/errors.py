"""One exception tree for vgr: the CLI turns these into one-line messages."""

from __future__ import annotations


class VgrError(Exception):
    """Base class of every error vgr raises on purpose."""


class AudioError(VgrError, ValueError):
    """A file or signal that cannot be analysed. ``str()`` is ``"<where>: <reason>"``."""

    def __init__(self, reason: str, source: object = None) -> None:
        self.reason = reason
        self.source = None if source is None else str(source)
        super().__init__(reason if source is None else f"{source}: {reason}")

    def for_source(self, source: object) -> "AudioError":
        """The same error, naming ``source`` (the file the signal came from)."""
        return type(self)(self.reason, source)


class UnreadableAudioError(AudioError):
    """The file cannot be opened or decoded as audio."""


class TooShortError(AudioError):
    """Fewer samples than one analysis frame."""


class NoVoicedAudioError(AudioError):
    """Silence, or no frame where a pitch or dominant frequency could be measured."""


class TableError(VgrError, ValueError):
    """A features CSV that cannot be used (missing columns, NaN, bad labels...)."""


class ModelError(VgrError):
    """A model directory or checkpoint that cannot be loaded."""


class OutputExistsError(VgrError, FileExistsError):
    """Refusing to overwrite an existing output without ``force``."""


class ClusterError(VgrError):
    """Dask is not installed, or its scheduler cannot be reached."""


class FidelityWarning(RuntimeWarning):
    """The features will be computed, but some cells may differ from the R pipeline's (e.g. no pyfftw)."""
