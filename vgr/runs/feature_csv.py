"""Writing the features CSV that ``vgr extract`` produces and ``vgr train`` reads."""

from __future__ import annotations

from vgr.runs.batch import FileResult
from vgr.features.names import FEATURE_NAMES


def header(with_label: bool) -> list[str]:
    return ["file", *FEATURE_NAMES] + (["label"] if with_label else [])


def row(result: FileResult, with_label: bool) -> list[str]:
    """One CSV row; floats in repr form, which round-trips exactly."""
    assert result.features is not None
    values = [result.job.name, *(repr(result.features[name]) for name in FEATURE_NAMES)]
    return values + ([result.job.label or ""] if with_label else [])
