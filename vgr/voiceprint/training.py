"""Fitting a model folder's voiceprint head on labelled recordings (``vgr voiceprint``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from vgr.errors import TableError
from vgr.runs import batch
from vgr.runs.discovery import AudioJob, labelled_rows
from vgr.voiceprint.encoder import embed_many
from vgr.voiceprint.head import DEFAULT_BLEND, VoiceprintHead, fit_head

COLUMNS = ("file", "label", "speaker")
# a `trainable` column (as in ../shared/audio/speakers/labels.csv) marks evaluation-only rows with "no"
EVALUATION_ONLY = "no"


@dataclass(frozen=True)
class Recording:
    """One labelled training recording: the file, its speaker and the corpus the speaker belongs to."""

    job: AudioJob
    speaker: str  # "<corpus>/<speaker id>", so that equal ids in two corpora stay apart
    corpus: str


@dataclass
class SpeakerLabels:
    recordings: list[Recording]
    evaluation_only: int = 0  # rows left out because their `trainable` column says "no"


@dataclass
class VoiceprintReport:
    head: VoiceprintHead
    failures: list[batch.FileResult] = field(default_factory=list)
    evaluation_only: int = 0


def read_speaker_labels(path: str | Path) -> SpeakerLabels:
    """``file,label,speaker[,corpus][,trainable]`` rows; ``file`` is relative to the CSV's folder.

    The corpus is the ``corpus`` column, or else the name of the CSV's folder (as in ../shared/audio).
    Rows whose ``trainable`` column is ``no`` are evaluation-only: they are counted and never returned.
    """
    path = Path(path)
    recordings, left_out = [], 0
    for line, row, label in labelled_rows(path, COLUMNS, ",".join(COLUMNS)):
        if (row.get("trainable") or "").strip().lower() == EVALUATION_ONLY:
            left_out += 1
            continue
        speaker = (row["speaker"] or "").strip()
        if not speaker:
            raise TableError(f"{path}: line {line}: empty speaker")
        corpus = (row.get("corpus") or "").strip() or path.resolve().parent.name
        name = row["file"].strip()
        recordings.append(Recording(AudioJob(path.parent / name, name, label), f"{corpus}/{speaker}", corpus))
    if not recordings:
        raise TableError(f"{path}: no trainable rows" if left_out else f"{path}: no rows")
    return SpeakerLabels(recordings, left_out)


def file_sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def provenance(recordings: list[Recording]) -> dict:
    """What the head was fitted on: corpora with their speakers, and every recording's name and sha256."""
    import hashlib

    digests = [file_sha256(r.job.path) for r in recordings]
    speakers = Counter(corpus for corpus, _ in dict.fromkeys((r.corpus, r.speaker) for r in recordings))
    corpora = {corpus: {"files": files, "speakers": speakers[corpus]}
               for corpus, files in sorted(Counter(r.corpus for r in recordings).items())}
    return {
        # one digest over the recordings' digests, in training order
        "data_sha256": hashlib.sha256(b"".join(bytes.fromhex(d) for d in digests)).hexdigest(),
        "training_corpora": corpora,
        "training_recordings": [{"file": r.job.name, "speaker": r.speaker, "sha256": d}
                                for r, d in zip(recordings, digests)],
    }


def fit_voiceprint(label_files: list[str | Path], ensemble, workers: int | None = None,
                   on_failure: Callable[[batch.FileResult], None] | None = None,
                   blend: float | None = DEFAULT_BLEND) -> VoiceprintReport:
    """Embed every trainable labelled recording, then fit the head and choose its blend with ``ensemble``'s votes.

    Files that cannot be analysed are left out and reported as they happen (``on_failure``) and in the report.
    ``blend=None`` chooses the blend leave-one-speaker-out among the training speakers.
    """
    labels = [read_speaker_labels(path) for path in label_files]
    labelled = [recording for table in labels for recording in table.recordings]
    embeddings, features, failures, used = [], [], [], []
    # results come back in the order of the jobs, so each one pairs with its own row's speaker
    for recording, result in zip(labelled, batch.run([r.job for r in labelled], workers, embed_many)):
        if not result.ok:
            failures.append(result)
            if on_failure:
                on_failure(result)
            continue
        used.append(recording)
        embeddings.append(result.embedding)
        features.append(result.features)
    if not features:
        raise TableError("no labelled recording could be analysed")
    ensemble_p_male = ensemble.predict_proba(features)[:, ensemble.labels.index("male")]
    head = fit_head(np.array(embeddings), np.array([r.job.label == "male" for r in used]),
                    np.array([r.speaker for r in used]), ensemble_p_male, provenance(used), blend)
    return VoiceprintReport(head, failures, sum(table.evaluation_only for table in labels))
