"""Opening untrusted input files: regular files only, checked before they are opened.

A named pipe (FIFO) blocks ``open()`` until a writer appears and a device or socket never ends, so every
input vgr reads (audio, features CSVs, labels, model folders) is ``stat``-ed first and refused unless it is a
regular file; the file is then opened without blocking and checked again on the open descriptor, so a path
swapped in between cannot slip through.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import BinaryIO

from vgr.errors import ModelError

MAX_JSON_BYTES = 64 * 2**20

_SPECIAL = (
    (stat.S_ISDIR, "is a directory"),
    (stat.S_ISFIFO, "is a named pipe (FIFO), not a regular file"),
    (stat.S_ISCHR, "is a character device, not a regular file"),
    (stat.S_ISBLK, "is a block device, not a regular file"),
    (stat.S_ISSOCK, "is a socket, not a regular file"),
)


def kind_problem(mode: int) -> str | None:
    """Why a file of this ``st_mode`` cannot be read as data, or None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    return next((reason for test, reason in _SPECIAL if test(mode)), "is not a regular file")


def file_problem(path: str | Path) -> str | None:
    """Why ``path`` cannot be read as a data file (missing, broken link, folder, FIFO, device...), or None.

    Never opens the file.
    """
    path = Path(path)
    try:
        status = path.stat()
    except FileNotFoundError:
        return "broken symbolic link" if path.is_symlink() else "no such file"
    except OSError as error:
        return f"cannot open ({error.strerror or error})"
    return kind_problem(status.st_mode)


def open_regular(path: str | Path) -> BinaryIO:
    """Open a regular file for binary reading; ``OSError`` (with the reason as ``strerror``) otherwise.

    ``O_NONBLOCK`` keeps a FIFO swapped in after the check from blocking the open; it is cleared again on the
    (regular) file.
    """
    stream = open(path, "rb", opener=_without_blocking)  # noqa: SIM115 (returned to the caller)
    try:
        problem = kind_problem(os.fstat(stream.fileno()).st_mode)
        if problem:
            raise OSError(0, problem, str(path))
        os.set_blocking(stream.fileno(), True)
        return stream
    except BaseException:
        stream.close()
        raise


def _without_blocking(path, flags: int) -> int:
    return os.open(path, flags | getattr(os, "O_NONBLOCK", 0))


def read_regular(path: str | Path, limit: int | None = None) -> bytes:
    """The bytes of a regular file; ``OSError`` if it is not one or holds more than ``limit`` bytes."""
    with open_regular(path) as stream:
        if limit is None:
            return stream.read()
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise OSError(0, f"larger than {limit:,} bytes", str(path))
    return data


def read_json(path: Path, what: str) -> object:
    """A model folder's JSON document of at most ``MAX_JSON_BYTES``; ``ModelError`` for anything unreadable."""
    problem = file_problem(path)
    if problem:
        raise ModelError(f"{path}: {problem}")
    try:
        text = read_regular(path, MAX_JSON_BYTES).decode("utf-8")
        return json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        raise ModelError(f"{path}: unreadable {what} (nested too deeply)") from None
    except (OSError, ValueError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else error
        raise ModelError(f"{path}: unreadable {what} ({reason})".splitlines()[0]) from None


def _no_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")
