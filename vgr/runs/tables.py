"""Reading features CSVs (voice.csv, ``vgr extract`` output) with one-line errors for every defect."""

from __future__ import annotations

import csv
import hashlib
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vgr.errors import TableError
from vgr.features.names import FEATURE_NAMES, LABELS
from vgr.files import file_problem, read_regular
from vgr.outputs import NAME_ERRORS

OPTIONAL_COLUMNS = ("file", "label", "speaker")


@dataclass(frozen=True)
class FeatureTable:
    """Rows of features in ``columns`` order; ``labels`` index into ``LABELS`` (None when unlabelled)."""

    features: np.ndarray
    labels: np.ndarray | None
    ids: list[str]
    speakers: list[str] | None
    columns: tuple[str, ...]
    sha256: str


def read_feature_table(
    paths: Sequence[str | Path], *, columns: Sequence[str] = FEATURE_NAMES, require_label: bool = True
) -> FeatureTable:
    """Read and concatenate CSVs; columns are found by name, in any order."""
    if not paths:
        raise TableError("no features CSV given")
    digest = hashlib.sha256()
    parts = [_read_one(Path(path), tuple(columns), require_label, digest) for path in paths]
    labelled = all(part[1] is not None for part in parts)
    return FeatureTable(
        features=np.concatenate([part[0] for part in parts]),
        labels=np.concatenate([part[1] for part in parts]) if labelled else None,
        ids=[name for part in parts for name in part[2]],
        speakers=[s for part in parts for s in part[3]] if all(part[3] is not None for part in parts) else None,
        columns=tuple(columns),
        sha256=digest.hexdigest(),
    )


def _read_one(path: Path, columns: tuple[str, ...], require_label: bool, digest):
    problem = file_problem(path)
    if problem and problem.startswith("is "):  # a folder, FIFO, device or socket: never opened
        raise TableError(f"{path}: {problem}")
    try:
        raw = read_regular(path)
    except OSError as error:
        raise TableError(f"{path}: cannot read ({error.strerror or error})") from None
    digest.update(raw)
    if not raw.strip():
        raise TableError(f"{path}: empty file")
    header, records = _records(path, raw.decode("utf-8-sig", NAME_ERRORS))
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if duplicated:
        raise TableError(f"{path}: {_columns(duplicated)} {'appears' if len(duplicated) == 1 else 'appear'} more than once")
    _check_columns(path, header, columns, require_label)
    if not records:
        raise TableError(f"{path}: no data rows (header only)")
    where = {name: header.index(name) for name in header}
    lines = [line for line, _ in records]
    for line, cells in records:
        if len(cells) != len(header):
            raise TableError(f"{path}: line {line} has {len(cells)} fields, the header has {len(header)}")
        if all(cells[where[name]].strip() == name for name in columns):
            raise TableError(f"{path}: line {line} repeats the header")
    cells_of = {name: [cells[index] for _, cells in records] for name, index in where.items()}
    features = np.column_stack([_numbers(path, cells_of[name], name, lines) for name in columns])
    labels = _labels(path, cells_of["label"], lines) if "label" in where else None
    ids = cells_of["file"] if "file" in where else [str(i) for i in range(1, len(records) + 1)]
    return features, labels, ids, cells_of.get("speaker")


def _records(path: Path, text: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The stripped header and each data record with its line number; blank lines are skipped."""
    reader = csv.reader(io.StringIO(text, newline=""), skipinitialspace=True, strict=True)
    try:
        records = [(reader.line_num, cells) for cells in reader if cells]
    except csv.Error as error:
        raise TableError(f"{path}: not a readable CSV (line {reader.line_num}: {error})") from None
    if not records:
        raise TableError(f"{path}: empty file")
    return [name.strip() for name in records[0][1]], records[1:]


def _check_columns(path: Path, present, wanted: tuple[str, ...], require_label: bool) -> None:
    seen = list(present)
    missing = [c for c in wanted if c not in seen] + (["label"] if require_label and "label" not in seen else [])
    if missing:
        raise TableError(f"{path}: {_columns(missing)} {'is' if len(missing) == 1 else 'are'} missing")
    allowed = set(FEATURE_NAMES) | set(OPTIONAL_COLUMNS)
    unexpected = [c for c in seen if c not in allowed]
    if unexpected:
        raise TableError(
            f"{path}: unexpected {_columns(unexpected)} (allowed: the 20 features, {', '.join(OPTIONAL_COLUMNS)})"
        )


def _columns(names) -> str:
    """"column 'a'" or "columns 'a', 'b'"."""
    return f"column{'' if len(names) == 1 else 's'} {_names(names)}"


def _names(columns) -> str:
    return ", ".join(repr(c) for c in columns)


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return math.nan


def _numbers(path: Path, cells: list[str], name: str, lines: list[int]) -> np.ndarray:
    values = np.array([_number(text) for text in cells], dtype=np.float64)
    bad = ~np.isfinite(values)
    if bad.any():
        row = int(np.argmax(bad))
        text = cells[row]
        problem = "is empty" if not text.strip() else f"is not a finite number ({text!r})"
        raise TableError(f"{path}: line {lines[row]}: column {name!r} {problem}")
    return values


def _labels(path: Path, cells: list[str], lines: list[int]) -> np.ndarray:
    normalised = [text.strip().lower() for text in cells]
    for row, label in enumerate(normalised):
        if label not in LABELS:
            raise TableError(f"{path}: line {lines[row]}: label {cells[row]!r} is not male or female")
    return np.array([LABELS.index(label) for label in normalised], dtype=np.int64)
