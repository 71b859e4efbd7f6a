"""Rendering predictions as CSV or JSON text (the table view lives in the CLI)."""

from __future__ import annotations

import csv
import io
import json

from vgr.predict import FilePrediction

COLUMNS = ("file", "label", "probability", "p_male", "votes", "seconds", "status")


def _rounded(value):
    return round(value, 6) if isinstance(value, float) else value


def as_csv(predictions: list[FilePrediction]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for prediction in predictions:
        row = prediction.as_dict()
        writer.writerow("" if row[c] is None else _rounded(row[c]) for c in COLUMNS)
    return buffer.getvalue()


def as_json(predictions: list[FilePrediction]) -> str:
    rows = [{c: _rounded(p.as_dict()[c]) for c in COLUMNS} for p in predictions]
    return json.dumps(rows, indent=2) + "\n"
