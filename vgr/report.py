"""Rendering predictions as CSV or JSON text (the table view lives in the CLI)."""

from __future__ import annotations

import json

from vgr.outputs import csv_line
from vgr.predict import FilePrediction

COLUMNS = ("file", "label", "probability", "p_male", "votes", "seconds", "status")


def _rounded(value):
    return round(value, 6) if isinstance(value, float) else value


def as_csv(predictions: list[FilePrediction]) -> str:
    lines = [csv_line(COLUMNS)]
    for prediction in predictions:
        row = prediction.as_dict()
        lines.append(csv_line(_rounded(row[c]) for c in COLUMNS))
    return "".join(lines)


def as_json(predictions: list[FilePrediction]) -> str:
    """ASCII JSON: a name's bytes that are not UTF-8 appear as ``\\udcXX`` escapes (Python reads them back)."""
    rows = [{c: _rounded(p.as_dict()[c]) for c in COLUMNS} for p in predictions]
    return json.dumps(rows, indent=2) + "\n"
