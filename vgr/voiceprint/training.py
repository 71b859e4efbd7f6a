"""Fitting a model folder's voiceprint head on labelled recordings (``vgr voiceprint``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from vgr.errors import TableError
from vgr.runs import batch
from vgr.runs.discovery import AudioJob, labelled_rows
from vgr.voiceprint.encoder import embed
from vgr.voiceprint.head import VoiceprintHead, fit_head

COLUMNS = ("file", "label", "speaker")


@dataclass
class VoiceprintReport:
    head: VoiceprintHead
    failures: list[batch.FileResult] = field(default_factory=list)


def read_speaker_labels(path: str | Path) -> list[tuple[AudioJob, str]]:
    """``file,label,speaker`` rows; ``file`` is relative to the CSV's folder (as in ../shared/audio)."""
    path = Path(path)
    rows = []
    for line, row, label in labelled_rows(path, COLUMNS, ",".join(COLUMNS)):
        speaker = (row["speaker"] or "").strip()
        if not speaker:
            raise TableError(f"{path}: line {line}: empty speaker")
        name = row["file"].strip()
        rows.append((AudioJob(path.parent / name, name, label), f"{path.resolve().parent.name}/{speaker}"))
    if not rows:
        raise TableError(f"{path}: no rows")
    return rows


def _audio_sha256(paths: list[Path]) -> str:
    """One digest of the training recordings' bytes, in training order: what the head was fitted on."""
    import hashlib

    digest = hashlib.sha256()
    for path in paths:
        digest.update(hashlib.sha256(Path(path).read_bytes()).digest())
    return digest.hexdigest()


def fit_voiceprint(label_files: list[str | Path], ensemble, workers: int | None = None,
                   on_failure: Callable[[batch.FileResult], None] | None = None) -> VoiceprintReport:
    """Embed every labelled recording, then fit the head and choose its blend with ``ensemble``'s votes.

    Speakers are named ``<folder of the CSV>/<speaker>``, so that equal ids in two corpora stay apart.
    Files that cannot be analysed are left out and reported as they happen (``on_failure``) and in the report.
    """
    labelled = [entry for path in label_files for entry in read_speaker_labels(path)]
    embeddings, is_male, speakers, features, failures, used = [], [], [], [], [], []
    # results come back in the order of the jobs, so each one pairs with its own row's speaker
    for (job, speaker), result in zip(labelled, batch.run([job for job, _ in labelled], workers, embed)):
        if not result.ok:
            failures.append(result)
            if on_failure:
                on_failure(result)
            continue
        used.append(job.path)
        embeddings.append(result.embedding)
        is_male.append(job.label == "male")
        speakers.append(speaker)
        features.append(result.features)
    if not features:
        raise TableError("no labelled recording could be analysed")
    ensemble_p_male = ensemble.predict_proba(features)[:, ensemble.labels.index("male")]
    head = fit_head(np.array(embeddings), np.array(is_male), np.array(speakers), ensemble_p_male,
                    {"data_sha256": _audio_sha256(used)})
    return VoiceprintReport(head, failures)
