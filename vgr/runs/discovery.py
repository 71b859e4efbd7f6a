"""Finding the audio files of a batch and the labels that go with them."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from vgr.errors import TableError
from vgr.features.audio import AUDIO_SUFFIXES
from vgr.features.names import LABELS
from vgr.files import file_problem
from vgr.outputs import NAME_ERRORS


@dataclass(frozen=True)
class AudioJob:
    """One file to analyse: where it is, the name it gets in the output, its label if known."""

    path: Path
    name: str
    label: str | None = None


def normalise_label(value: str) -> str | None:
    """'Male', ' FEMALE ' -> 'male', 'female'; anything else -> None."""
    text = value.strip().lower()
    return text if text in LABELS else None


def label_from_folders(parts: tuple[str, ...]) -> str | None:
    """The nearest enclosing folder named male or female (any case), if there is one."""
    for part in reversed(parts):
        label = normalise_label(part)
        if label:
            return label
    return None


def is_audio(path: Path) -> bool:
    return path.suffix.lower() in AUDIO_SUFFIXES


def discover(inputs: list[str | Path]) -> list[AudioJob]:
    """Files as given and audio files found recursively in folders, in a stable order.

    A path that does not exist is kept as a job, so that it is reported as a failure like any bad file.
    """
    jobs: list[AudioJob] = []
    for given in map(Path, inputs):
        if given.is_dir():
            found = sorted(p for p in given.rglob("*") if is_audio(p) and not p.is_dir())
            for path in found:
                relative = path.relative_to(given)
                folders = given.parts + relative.parts[:-1]
                jobs.append(AudioJob(path, relative.as_posix(), label_from_folders(folders)))
        else:
            jobs.append(AudioJob(given, given.as_posix(), label_from_folders(given.parts[:-1])))
    return jobs


def labelled_rows(path: str | Path, required: tuple[str, ...], needs: str) -> list[tuple[int, dict, str]]:
    """(line number, row, normalised label) of every row of a CSV with a ``label`` column.

    Raises ``TableError`` naming the file for missing ``required`` columns (``needs`` describes them), an
    unknown label value, or a file that cannot be read.
    """
    path = Path(path)
    try:
        problem = file_problem(path)
        if problem:
            raise OSError(0, problem)
        with path.open(newline="", encoding="utf-8", errors=NAME_ERRORS) as stream:
            reader = csv.DictReader(stream)
            missing = [column for column in required if column not in (reader.fieldnames or ())]
            if missing:
                raise TableError(f"{path}: needs columns {needs} (missing: {', '.join(sorted(missing))})")
            rows = []
            for line, row in enumerate(reader, start=2):
                label = normalise_label(row["label"] or "")
                if label is None:
                    raise TableError(f"{path}: line {line}: label {row['label']!r} is not male or female")
                rows.append((line, row, label))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else error
        raise TableError(f"{path}: cannot read labels ({reason})") from None
    return rows


def read_labels(path: str | Path) -> dict[str, str]:
    """A ``file,label`` CSV as a mapping; label values are checked."""
    return {row["file"].strip(): label for _, row, label in labelled_rows(path, ("file", "label"), "'file' and 'label'")}


def apply_labels(jobs: list[AudioJob], labels: dict[str, str]) -> list[AudioJob]:
    """Labels from a labels file take precedence over folder names."""
    return [AudioJob(job.path, job.name, labels.get(job.name, job.label)) for job in jobs]
