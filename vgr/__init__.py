"""vgr: voice gender recognition from raw audio, after Buyukyilmaz & Cibikdiken (2016).

The public API is loaded lazily so that ``import vgr`` (and ``vgr --help``) stays fast.
"""

from vgr._version import __version__

__all__ = ["__version__", "extract_features", "FEATURE_NAMES"]


def __getattr__(name: str):
    if name in ("extract_features", "FEATURE_NAMES"):
        import vgr.features

        return getattr(vgr.features, name)
    raise AttributeError(f"module 'vgr' has no attribute {name!r}")
