"""vgr: voice gender recognition from raw audio, after Buyukyilmaz & Cibikdiken (2016).

    >>> import vgr
    >>> vgr.predict_file("recording.wav").label
    'female'

The public API is loaded lazily so that ``import vgr`` (and ``vgr --help``) stays fast.
"""

from vgr._version import __version__

_EXPORTS = {
    "extract_features": "vgr.features",
    "FEATURE_NAMES": "vgr.features",
    "load_model": "vgr.predict",
    "predict_file": "vgr.predict",
    "FilePrediction": "vgr.predict",
    "segment_file": "vgr.segment",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str):
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'vgr' has no attribute {name!r}")
