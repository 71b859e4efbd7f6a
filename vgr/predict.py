"""Raw audio (or a features CSV) in, male/female with a probability out."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from vgr.runs.discovery import AudioJob


@dataclass(frozen=True)
class FilePrediction:
    """The verdict on one file; ``status`` is ``ok`` or ``error: <reason>`` (then the rest is None)."""

    file: str
    label: str | None
    probability: float | None
    p_male: float | None
    votes: str | None
    seconds: float | None
    status: str = "ok"

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def as_dict(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def load_model(path: str | Path | None = None):
    """The ensemble in ``path``, or the default model shipped inside the package when None."""
    from vgr.models.checkpoint import load_ensemble

    if path is not None:
        return load_ensemble(Path(path))
    from importlib.resources import as_file, files

    with as_file(files("vgr") / "default_model") as folder:
        return load_ensemble(folder)


def uses_voiceprint(model) -> bool:
    """Whether the model blends in a voiceprint head (then raw audio also gets a speaker embedding)."""
    return getattr(model, "voiceprint", None) is not None


def embedder(model):
    """The function that embeds each recording for ``model``'s voiceprint head, or None without a head."""
    if not uses_voiceprint(model):
        return None
    from vgr.voiceprint.encoder import embed

    return embed


def batch_embedder(model):
    """``embedder``'s counterpart for many files at once (``vgr.runs.batch.run``), or None without a head."""
    if not uses_voiceprint(model):
        return None
    from vgr.voiceprint.encoder import embed_many

    return embed_many


def embedding_rows(embedding):
    """``Ensemble.predict``'s ``embeddings`` argument for one file: None when no voiceprint was computed."""
    return None if embedding is None else [embedding]


def verdict(name: str, prediction, seconds: float | None) -> FilePrediction:
    return FilePrediction(
        file=name,
        label=prediction.label,
        probability=prediction.probability,
        p_male=prediction.p_male,
        votes=f"{prediction.votes}/{prediction.members}",
        seconds=seconds,
    )


def failed(name: str, reason: str) -> FilePrediction:
    return FilePrediction(name, None, None, None, None, None, status=f"error: {reason}")


def predict_file(path: str | Path, model=None) -> FilePrediction:
    """Extract and classify one file. Raises ``AudioError`` (naming the file) if it cannot be analysed."""
    from vgr.runs.batch import measure

    model = model or load_model()
    features, seconds, embedding = measure(path, embedder(model))
    return verdict(str(path), model.predict([features], embedding_rows(embedding))[0], seconds)


def predict_jobs(jobs: list[AudioJob], model, workers: int | None = None) -> Iterator[FilePrediction]:
    """One prediction per job, in order; a file that cannot be analysed gets an error status."""
    from vgr.runs.batch import run

    for result in run(jobs, workers, batch_embedder(model)):
        if result.ok:
            yield verdict(result.job.name, model.predict([result.features], embedding_rows(result.embedding))[0], result.seconds)
        else:
            yield failed(result.job.name, result.error)


def predict_table(path: str | Path, model) -> list[FilePrediction]:
    """Predictions for every row of a features CSV (``vgr extract`` output or voice.csv).

    A CSV carries no audio, so a voiceprint head cannot take part: these are the ensemble's votes alone.
    """
    from vgr.runs.tables import read_feature_table

    table = read_feature_table([path], require_label=False, columns=model.feature_names)
    predictions = model.predict(table.features)
    return [verdict(name, prediction, None) for name, prediction in zip(table.ids, predictions)]
