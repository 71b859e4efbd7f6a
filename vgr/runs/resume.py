"""Which rows an interrupted extraction already wrote, so that ``--resume`` can skip their files."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from vgr.errors import TableError
from vgr.files import file_problem
from vgr.outputs import NAME_ERRORS


def complete_rows(path: Path, header: list[str]) -> dict[str, list[str]]:
    """The rows of a features CSV (final or partial) that were written in full, by their ``file`` column.

    A last line without its newline was cut short by a kill and is left out, as is any row with the wrong
    number of fields. A file that does not exist, or holds not even a full header, has no rows.
    """
    try:
        problem = file_problem(path)
        if problem not in (None, "no such file"):
            raise TableError(f"{path}: cannot read it to resume ({problem})")
        with path.open(newline="", encoding="utf-8", errors=NAME_ERRORS) as stream:
            text = stream.read()
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as error:
        raise TableError(f"{path}: cannot read it to resume ({error})") from None
    text = text[: text.rfind("\n") + 1]
    try:
        lines = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        raise TableError(f"{path}: cannot read it to resume ({error})") from None
    if not lines:
        return {}
    if lines[0] != header:
        raise TableError(f"{path}: cannot resume: its columns differ from this run's (labels added or removed?)")
    return {line[0]: line for line in lines[1:] if len(line) == len(header)}
