"""Reading features CSVs (voice.csv, ``vgr extract`` output) with one-line errors for every defect."""

from __future__ import annotations

import csv
import hashlib
import io
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
    import pandas as pd

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
    header = next(csv.reader(io.StringIO(raw.decode("utf-8", errors="replace").splitlines()[0])))
    header = [name.strip() for name in header]
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if duplicated:
        raise TableError(f"{path}: column {_names(duplicated)} appears more than once")
    try:
        frame = pd.read_csv(io.BytesIO(raw), dtype=str, keep_default_na=False, skipinitialspace=True,
                            encoding_errors=NAME_ERRORS)
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as error:
        raise TableError(f"{path}: not a readable CSV ({str(error).strip().splitlines()[0]})") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    _check_columns(path, frame.columns, columns, require_label)
    if frame.empty:
        raise TableError(f"{path}: no data rows (header only)")
    header_again = (frame[list(columns)] == list(columns)).all(axis=1)
    if header_again.any():
        raise TableError(f"{path}: line {int(np.argmax(header_again.to_numpy())) + 2} repeats the header")
    features = np.column_stack([_numbers(path, frame[name], name) for name in columns])
    labels = _labels(path, frame["label"]) if "label" in frame.columns else None
    ids = list(frame["file"]) if "file" in frame.columns else [str(i) for i in range(1, len(frame) + 1)]
    speakers = list(frame["speaker"]) if "speaker" in frame.columns else None
    return features, labels, ids, speakers


def _check_columns(path: Path, present, wanted: tuple[str, ...], require_label: bool) -> None:
    seen = list(present)
    missing = [c for c in wanted if c not in seen] + (["label"] if require_label and "label" not in seen else [])
    if missing:
        raise TableError(f"{path}: column {_names(missing)} {'is' if len(missing) == 1 else 'are'} missing")
    allowed = set(FEATURE_NAMES) | set(OPTIONAL_COLUMNS)
    unexpected = [c for c in seen if c not in allowed]
    if unexpected:
        raise TableError(
            f"{path}: unexpected column {_names(unexpected)} (allowed: the 20 features, {', '.join(OPTIONAL_COLUMNS)})"
        )


def _names(columns) -> str:
    return ", ".join(repr(c) for c in columns)


def _numbers(path: Path, cells, name: str) -> np.ndarray:
    import pandas as pd

    values = pd.to_numeric(cells.str.strip(), errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(values)
    if bad.any():
        row = int(np.argmax(bad))
        text = cells.iloc[row]
        problem = "is empty" if not text.strip() else f"is not a finite number ({text!r})"
        raise TableError(f"{path}: line {row + 2}: column {name!r} {problem}")
    return values


def _labels(path: Path, cells) -> np.ndarray:
    normalised = cells.str.strip().str.lower()
    known = normalised.isin(LABELS)
    if not known.all():
        row = int(np.argmax(~known.to_numpy()))
        raise TableError(f"{path}: line {row + 2}: label {cells.iloc[row]!r} is not male or female")
    return normalised.map({label: index for index, label in enumerate(LABELS)}).to_numpy(dtype=np.int64)
