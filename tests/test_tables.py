"""Features CSVs: found by name, and every defect named in one line."""

from __future__ import annotations

import numpy as np
import pytest

from vgr.errors import TableError
from vgr.features.names import FEATURE_NAMES
from vgr.runs.tables import read_feature_table

pytestmark = pytest.mark.bad_input
HEADER = ",".join(FEATURE_NAMES)


def row(value=0.1, label="male"):
    return ",".join([str(value)] * 20) + f",{label}"


def write(tmp_path, text, name="t.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_voice_csv_reads_with_its_hash(shared):
    table = read_feature_table([shared / "data" / "voice.csv"])
    assert table.features.shape == (3168, 20)
    assert np.bincount(table.labels).tolist() == [1584, 1584]
    assert table.sha256 == "96303b30acb620724daea3f71cdf27d0ab5818342ab9825add0a7a4e0a898a22"


def test_columns_are_found_by_name_in_any_order(tmp_path):
    shuffled = list(reversed(FEATURE_NAMES))
    values = {name: i / 100 for i, name in enumerate(FEATURE_NAMES)}
    path = write(tmp_path, "label,file," + ",".join(shuffled) + "\n Male ,a.wav," + ",".join(str(values[n]) for n in shuffled) + "\n")
    table = read_feature_table([path])
    assert table.features.tolist() == [[values[n] for n in FEATURE_NAMES]]
    assert table.labels.tolist() == [1] and table.ids == ["a.wav"]


def test_several_csvs_are_concatenated(tmp_path):
    a = write(tmp_path, f"{HEADER},label\n{row(label='female')}\n", "a.csv")
    b = write(tmp_path, f"{HEADER},label\n{row()}\n{row()}\n", "b.csv")
    table = read_feature_table([a, b])
    assert table.labels.tolist() == [0, 1, 1] and table.ids == ["1", "1", "2"]


CASES = {
    "empty": ("", "t.csv: empty file"),
    "header only": (f"{HEADER},label\n", "t.csv: no data rows (header only)"),
    "missing column": (HEADER.replace("meanfun,", "") + ",label\n" + ",".join(["0.1"] * 19) + ",male\n",
                       "t.csv: column 'meanfun' is missing"),
    "missing label": (f"{HEADER}\n" + ",".join(["0.1"] * 20) + "\n", "t.csv: column 'label' is missing"),
    "extra column": (f"{HEADER},label,age\n{row()},30\n",
                     "t.csv: unexpected column 'age' (allowed: the 20 features, file, label, speaker)"),
    "nan": (f"{HEADER},label\n{row()}\n" + row().replace("0.1", "nan", 1) + "\n",
            "t.csv: line 3: column 'meanfreq' is not a finite number ('nan')"),
    "empty cell": (f"{HEADER},label\n" + row().replace("0.1", "", 1) + "\n", "t.csv: line 2: column 'meanfreq' is empty"),
    "text": (f"{HEADER},label\n" + ",".join(["0.1"] * 5 + ["abc"] + ["0.1"] * 14) + ",male\n",
             "t.csv: line 2: column 'IQR' is not a finite number ('abc')"),
    "bad label": (f"{HEADER},label\n{row(label='child')}\n", "t.csv: line 2: label 'child' is not male or female"),
    "duplicated header": (f"{HEADER},label\n{row()}\n{HEADER},label\n{row()}\n", "t.csv: line 3 repeats the header"),
    "duplicated column": (f"{HEADER},sd,label\n{row()},0.2\n", "t.csv: column 'sd' appears more than once"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_csv_gives_a_one_line_error(tmp_path, case):
    text, message = CASES[case]
    path = write(tmp_path, text)
    with pytest.raises(TableError) as caught:
        read_feature_table([path])
    assert str(caught.value) == f"{tmp_path}/{message}"


def test_missing_file(tmp_path):
    with pytest.raises(TableError, match=r"nope\.csv: cannot read \(No such file or directory\)"):
        read_feature_table([tmp_path / "nope.csv"])


def test_label_variants_are_accepted(tmp_path):
    path = write(tmp_path, f"{HEADER},label\n{row(label=' MALE')}\n{row(label='Female ')}\n")
    assert read_feature_table([path]).labels.tolist() == [1, 0]
