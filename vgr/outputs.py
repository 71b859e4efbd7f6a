"""Writing result files atomically, never silently replacing an existing one."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO

from vgr.errors import OutputExistsError


def refuse_overwrite(path: str | Path, force: bool) -> None:
    """Raise ``OutputExistsError`` if ``path`` exists and ``force`` is not set."""
    if not force and Path(path).exists():
        raise OutputExistsError(f"{path}: already exists (use --force to overwrite)")


def write_atomically(path: str | Path, write: Callable[[IO], None], *, force: bool = False, binary: bool = False) -> None:
    """Call ``write(handle)`` on a temporary file beside ``path``, then rename it into place.

    A reader (or a crash) sees either the old file or the complete new one, never half of it.
    """
    path = Path(path)
    refuse_overwrite(path, force)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with (os.fdopen(handle, "wb") if binary else os.fdopen(handle, "w", newline="", encoding="utf-8")) as stream:
            write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
