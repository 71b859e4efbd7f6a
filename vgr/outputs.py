"""Writing result files atomically, never silently replacing an existing one; CSV rows any name survives.

File names are text as Python sees them: on POSIX, bytes that are not UTF-8 become lone surrogates
(``surrogateescape``). Text outputs are written with that same error handler, so such a name is written back as
its original bytes and reads back as the same string. On a terminal (``one_line``) such bytes and control characters are escaped.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO

from vgr.errors import OutputExistsError

NAME_ERRORS = "surrogateescape"  # text files hold a file name's own bytes, even when they are not UTF-8
_NEEDS_QUOTES = frozenset(',"\r\n')


def _escapes() -> dict[int, str]:
    table = {code: f"\\x{code:02x}" for code in (*range(0x20), *range(0x7F, 0xA0))}
    table.update({ord("\t"): "\\t", ord("\n"): "\\n", ord("\r"): "\\r", 0x2028: "\\u2028", 0x2029: "\\u2029"})
    table.update({code: f"\\x{code - 0xDC00:02x}" for code in range(0xDC80, 0xDD00)})  # surrogate-escaped bytes
    table.update({code: f"\\u{code:04x}" for code in range(0xD800, 0xE000) if code not in table})
    return table


_ESCAPES = _escapes()


def one_line(text: str) -> str:
    """``text`` as one printable terminal line: CR, LF, ESC and other control characters become ``\\r``, ``\\n``,
    ``\\x1b``..., and the bytes of a file name that are not UTF-8 become ``\\xff``. For messages only: the escaped
    form of a name is not unique (a name may itself contain a backslash).
    """
    return text.translate(_ESCAPES)


def csv_line(fields: Iterable[object]) -> str:
    """One CSV record ending in ``\n``: a field is quoted when it holds a comma, a quote, CR or LF (the csv
    module leaves a bare CR unquoted when lines end in LF, which breaks the file) or starts or ends with a space
    (readers that skip initial spaces would lose it); quotes are doubled. ``None`` is an empty field.
    """
    return ",".join(_field("" if value is None else str(value)) for value in fields) + "\n"


def _field(text: str) -> str:
    if _NEEDS_QUOTES.isdisjoint(text) and text == text.strip(" "):
        return text
    return '"' + text.replace('"', '""') + '"'


def is_device_or_pipe(path: str | Path) -> bool:
    """True for an existing device, FIFO or socket (``/dev/null``, ``/dev/stdout``, a named pipe): outputs are
    written into it as it is. Replacing it would destroy it (as root, ``/dev/null`` itself), and it holds no file
    to lose."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def refuse_overwrite(path: str | Path, force: bool, *, folder: bool = False) -> None:
    """Raise ``OutputExistsError`` if ``path`` is an existing file or folder and ``force`` is not set, or, for a
    file output (``folder`` false), if it is a folder: no ``--force`` makes a folder into a file."""
    if not folder and Path(path).is_dir():
        raise OutputExistsError(f"{path}: is a folder (name a file to write)")
    if not force and Path(path).exists() and not is_device_or_pipe(path):
        raise OutputExistsError(f"{path}: already exists (use --force to overwrite)")


def write_atomically(path: str | Path, write: Callable[[IO], None], *, force: bool = False, binary: bool = False) -> None:
    """Call ``write(handle)`` on a temporary file beside ``path``, then rename it into place.

    A reader (or a crash) sees either the old file or the complete new one, never half of it. A device or a
    pipe is written into directly instead (``is_device_or_pipe``).
    """
    path = Path(path)
    refuse_overwrite(path, force)
    if is_device_or_pipe(path):
        with _open_output(path, binary) as stream:
            write(stream)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with _open_output(handle, binary) as stream:
            write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _open_output(target: int | Path, binary: bool) -> IO:
    """``target`` (a path or an open descriptor) for writing, as bytes or as text that keeps any name's bytes."""
    return open(target, "wb") if binary else open(target, "w", newline="", encoding="utf-8", errors=NAME_ERRORS)
