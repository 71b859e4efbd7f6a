"""What a person sees in a terminal: the predictions table at 80 columns, every --help, a quiet test run."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from rich.console import Console
from typer.testing import CliRunner

from vgr.cli import app, fold_name, prediction_table
from vgr.predict import FilePrediction, failed

NAMES = [
    "vgr/examples/female.flac",
    "vgr/examples/male.flac",
    "corpora/librispeech-test-other/1688/1688-142285-0000.flac",
    "/home/someone/recordings/2024/interviews/the_second_day_of_interviews_2024.wav",
    "a-file-name-without-any-folder-that-is-longer-than-the-whole-column-can-hold.wav",
]


def rendered(results, width: int) -> list[str]:
    console = Console(width=width, record=True, color_system=None)
    with console.capture() as captured:
        console.print(prediction_table(results, width))
    return captured.get().splitlines()


def prediction(name: str) -> FilePrediction:
    return FilePrediction(name, "female", 0.987, 0.013, "10/10", 4.6)


def test_table_at_80_columns_keeps_every_folder_and_file_name_whole():
    results = [prediction(name) for name in NAMES[:4]] + [failed("notes/readme.wav", "cannot decode audio (Format …)")]
    lines = rendered(results, 80)
    assert max(len(line.rstrip()) for line in lines) <= 80
    text = "\n".join(lines)
    for name in NAMES[:4] + ["notes/readme.wav"]:
        for part in name.strip("/").split("/"):  # a folder or file name is never split across lines
            assert part in text, part
    assert "0.987" in text and "10/10" in text and "error" in text


def test_a_name_too_long_for_any_line_folds_at_its_own_punctuation():
    folded = fold_name(NAMES[4], 30).split("\n")
    assert all(len(line) <= 30 for line in folded) and "".join(folded) == NAMES[4]
    assert all(line.endswith("-") for line in folded[:-1])


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("width", [12, 20, 40, 200])
def test_fold_name_breaks_only_after_separators_and_loses_nothing(name, width):
    folded = fold_name(name, width).split("\n")
    assert "".join(folded) == name
    assert all(len(line) <= width for line in folded)
    if all(len(part) + 1 <= width for part in name.split("/")):
        assert all(line.endswith("/") for line in folded[:-1])


COMMANDS = ["extract", "predict", "segment", "train", "voiceprint", "evaluate", "serve"]


@pytest.mark.parametrize("command", COMMANDS)
def test_help_shows_every_default_and_no_lost_markup(command):
    result = CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert not re.search(r"\s\.$|\s\.\s", result.output, re.MULTILINE), result.output  # "Parallel processes ."
    assert "[default: ]" not in result.output and "()" not in result.output
    if "--workers" in result.output and command != "train":
        assert "[default: (all cores)" in result.output
    if "Model folder." in result.output:
        assert "[default: (the bundled model)]" in result.output


def test_extras_keep_their_brackets_in_help():
    runner = CliRunner()
    assert 'pip install "vgr[train]"' in runner.invoke(app, ["train", "--help"], env={"COLUMNS": "200"}).output
    assert 'pip install "vgr[serve]"' in runner.invoke(app, ["serve", "--help"], env={"COLUMNS": "200"}).output
    assert "vgr[dask]" in runner.invoke(app, ["extract", "--help"], env={"COLUMNS": "200"}).output


def test_the_test_client_imports_without_a_deprecation_warning():
    pytest.importorskip("fastapi")
    done = subprocess.run([sys.executable, "-W", "error", "-c", "import fastapi.testclient"], capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr
