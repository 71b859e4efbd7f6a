"""Segments as CSV or JSON text, and the one-line summary of a file (the table view lives in the CLI)."""

from __future__ import annotations

import json

from vgr.outputs import csv_line
from vgr.segment.core import LABELS, FileSegments

COLUMNS = ("file", "start", "end", "label", "probability")


def as_csv(results: list[FileSegments]) -> str:
    """One row per segment of every file that could be read; a file without speech has no row."""
    lines = [csv_line(COLUMNS)]
    for result in results:
        lines += [csv_line([result.file, f"{s.start:.2f}", f"{s.end:.2f}", s.label, f"{s.probability:.3f}"])
                  for s in result.segments]
    return "".join(lines)


def as_json(results: list[FileSegments]) -> str:
    """ASCII JSON, one object per file: its summary (seconds by sex, shares, status) and its segments."""
    files = [{**result.summary(),
              "segments": [{"start": s.start, "end": s.end, "label": s.label, "probability": s.probability}
                           for s in result.segments]}
             for result in results]
    return json.dumps({"files": files}, indent=2) + "\n"


def summary_line(result: FileSegments) -> str:
    """``FILE: 61.2 s of speech in 95.0 s: female 40.1 s (65.5 %), male 21.1 s (34.5 %)``."""
    speech = result.speech_seconds()
    if speech == 0:
        return f"{result.file}: no speech in {result.seconds:.1f} s"
    parts = [f"{label} {result.speech_seconds(label):.1f} s ({result.share(label):.1%})" for label in LABELS]
    return f"{result.file}: {speech:.1f} s of speech in {result.seconds:.1f} s: {', '.join(parts)}"
