"""The FFT seewave's ``dfreq`` ran in R: FFTW through the ``fftw`` package, reproduced with pyfftw.

seewave 2.0.2's ``stft(..., fftw = TRUE)`` calls ``fftw::FFT`` on each windowed frame: a complex-to-complex
FFTW transform of length 2048 with a zero imaginary part, planned with ``FFTW_ESTIMATE |
FFTW_DESTROY_INPUT`` on SIMD-aligned buffers, then ``Mod`` (the C library's ``hypot``). On tie frames the
winning bin depends on the last bit of these magnitudes, so every one of those details matters (README,
"Fidelity"). Another FFT, numpy's complex ``abs``, unaligned buffers or another plan each flip some ties.

pyfftw's compiled core is loaded lazily, only when a file has a tie frame, and alone: ``import pyfftw``
also imports its scipy.fft and dask interfaces (0.13 s, or ~2 s when dask is installed), in every worker.
Where it is missing, or FFTW plans differently on this CPU (the known-answer check below), ``transform()``
returns None after one warning and the caller falls back to its approximate tie-breaker.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
import warnings
from functools import cache
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

import numpy as np

from vgr.errors import FidelityWarning
from vgr.features.framing import FRAME

# SHA-256 of the magnitudes of ``_check_frames()`` as FFTW computed them on the machines whose output
# matched all 26,780 reference cells. Another digest means another plan or codelets (another CPU family
# or FFTW build): ties could then break differently from R, so we do not claim the exact path.
KNOWN_DIGEST = "3a64ae0a57ca7912b84169aecc1d52bc2ba6a653a49d07ee4fc827584675f548"


class Transform:
    """One FFTW plan on aligned buffers, run frame by frame: the safe form (a batch along axis 0 rounds
    differently; one along axis 1 rounds alike but needs a plan per block height and was slower)."""

    def __init__(self, pyfftw) -> None:
        self.source = pyfftw.empty_aligned(FRAME, dtype="complex128")
        self.result = pyfftw.empty_aligned(FRAME, dtype="complex128")
        self.plan = pyfftw.FFTW(self.source, self.result, flags=("FFTW_ESTIMATE", "FFTW_DESTROY_INPUT"))

    def magnitudes(self, framed: np.ndarray) -> np.ndarray:
        """|FFT| bins 0..FRAME/2-1 of each row of ``framed`` (already windowed), as R's ``Mod(fftw::FFT(.))``."""
        out = np.empty((len(framed), FRAME // 2))
        half = self.result[: FRAME // 2]
        for row, frame in enumerate(framed):
            self.source[:] = frame  # refilled every time: FFTW_DESTROY_INPUT may overwrite it; imag = 0
            self.plan.execute()
            out[row] = np.hypot(half.real, half.imag)
        return out


def _check_frames() -> np.ndarray:
    """Exact, platform-independent inputs: integer noise, and a two-sample frame (a tie in every bin pair)."""
    noise = (np.arange(FRAME, dtype=np.int64) * 40503 % 65521 - 32760).astype(float)
    pair = np.zeros(FRAME)
    pair[[700, 1301]] = [3.0, -7.0]
    return np.stack([noise, pair])


def digest(magnitudes: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(magnitudes, dtype="<f8").tobytes()).hexdigest()


def load_pyfftw():
    """pyfftw's extension module ``pyfftw.pyfftw`` (FFTW, empty_aligned), without the package's ``__init__``.

    The extension itself imports only numpy and the standard library. Raises ImportError without pyfftw.
    """
    if "pyfftw.pyfftw" in sys.modules:
        return sys.modules["pyfftw.pyfftw"]
    package = importlib.util.find_spec("pyfftw")
    if package is None or not package.submodule_search_locations:
        raise ImportError("No module named 'pyfftw'")
    for suffix in EXTENSION_SUFFIXES:
        path = Path(package.submodule_search_locations[0]) / f"pyfftw{suffix}"
        if path.is_file():
            spec = importlib.util.spec_from_file_location("pyfftw.pyfftw", path)
            core = importlib.util.module_from_spec(spec)
            sys.modules["pyfftw.pyfftw"] = core  # a later `import pyfftw` then reuses it
            spec.loader.exec_module(core)
            return core
    import pyfftw  # another layout: the whole package (slower, same FFTW)

    return pyfftw


@cache
def transform() -> Transform | None:
    """The process's FFTW transform, or None (with one warning) where it would not be R's."""
    try:
        exact = Transform(load_pyfftw())
    except ImportError as error:
        return _unavailable(f"pyfftw cannot be imported ({error})")
    if digest(exact.magnitudes(_check_frames())) != KNOWN_DIGEST:
        return _unavailable(f"FFTW {_version()} plans differently on this CPU (known-answer check failed)")
    return exact


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"pyfftw {version('pyfftw')}"
    except PackageNotFoundError:  # importable but not installed as a distribution
        return "pyfftw"


def _unavailable(reason: str) -> None:
    warnings.warn(f"{reason}: dominant-frequency ties are broken approximately, a few cells may differ from R",
                  FidelityWarning, stacklevel=3)
    return None


def path() -> str:
    """Which tie-breaker this process uses, in words (the parity test reports it)."""
    exact = transform()
    return f"FFTW via {_version()}" if exact else "fallback: R stats::fft emulation (not bit-exact)"
