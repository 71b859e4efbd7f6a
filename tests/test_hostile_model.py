"""Crafted model folders (issue 18): every defect is one line naming the file, nothing outside the folder is read,
and declared array sizes are checked before anything is decompressed."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from vgr.errors import ModelError
from vgr.models.checkpoint import load_ensemble

DEFAULT = Path(__file__).resolve().parents[1] / "vgr" / "default_model"
EXAMPLE = Path(__file__).resolve().parents[1] / "vgr" / "examples" / "male.flac"


@pytest.fixture
def model(tmp_path) -> Path:
    folder = tmp_path / "model"
    shutil.copytree(DEFAULT, folder)
    return folder


def metadata(folder: Path) -> dict:
    return json.loads((folder / "model.json").read_text())


def rewrite(folder: Path, change) -> None:
    document = metadata(folder)
    change(document)
    (folder / "model.json").write_text(json.dumps(document))


def refused(folder: Path) -> str:
    with pytest.raises(ModelError) as caught:
        load_ensemble(folder)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(str(folder))
    return message


def npy(shape, dtype="<f4") -> bytes:
    """A .npy header declaring ``shape`` with no data behind it."""
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": dtype, "fortran_order": False, "shape": shape})
    return buffer.getvalue()


CASES = {
    "inputs 1e400": (lambda d: d["architecture"].update(inputs="INF"), "architecture.inputs must be a whole number from 1 to 20, not inf"),
    "architecture a string": (lambda d: d.update(architecture="mlp"), "architecture must be a JSON object, not 'mlp'"),
    "no dropout": (lambda d: d["architecture"].pop("dropout"), "architecture lacks 'dropout'"),
    "feature_names 5": (lambda d: d.update(feature_names=5), "feature_names must be a list of 1 to 20 items, not 5"),
    "members a string": (lambda d: d.update(members="fold_01.npz"), "members must be a list of 1 to 100 items, not 'fold_01.npz'"),
    "file 123": (lambda d: d["members"][0].update(file=123), "members[0].file must be a file name, not 123"),
    "classes male only": (lambda d: d.update(classes=["male"]), "classes must be a list of 2 to 2 items, not list"),
    "classes twice male": (lambda d: d.update(classes=["male", "male"]), "classes must be the labels female and male, not list"),
    "hidden huge": (lambda d: d["architecture"].update(hidden=[4096] * 16), "architecture has 251,785,218 parameters per member (at most 4,000,000)"),
    "member hidden huge": (lambda d: d["members"][3].update(hidden=[4096] * 16), "members[3] has 251,785,218 parameters per member (at most 4,000,000)"),
    "member hidden a string": (lambda d: d["members"][0].update(hidden="128"), "members[0].hidden must be a list of 0 to 16 items, not '128'"),
        "scaler NaN": (lambda d: d["members"][1]["scaler"].update(mean=[None] * 13), "members[1].scaler.mean[0] must be a finite number, not None"),
    "outside": (lambda d: d["members"][0].update(file="../outside/stolen.npz"),
                "members[0].file '../outside/stolen.npz' is not a file inside the model folder"),
    "absolute": (lambda d: d["members"][0].update(file=str(DEFAULT / "fold_01.npz")),
                 f"members[0].file {str(DEFAULT / 'fold_01.npz')!r} is not a file inside the model folder"),
}


@pytest.mark.bad_input
@pytest.mark.parametrize("case", sorted(CASES))
def test_crafted_model_json(model, case):
    change, reason = CASES[case]
    rewrite(model, change)
    if case == "inputs 1e400":  # json.dumps cannot write it; the attacker's file can
        (model / "model.json").write_text((model / "model.json").read_text().replace('"INF"', "1e400"))
    assert refused(model) == f"{model / 'model.json'}: {reason}"


@pytest.mark.bad_input
def test_model_json_that_is_a_list_or_deeply_nested(model):
    (model / "model.json").write_text("[1, 2]")
    assert refused(model) == f"{model / 'model.json'}: the document must be a JSON object, not list"
    (model / "model.json").write_text('{"training": ' + "[" * 100_000 + "]" * 100_000 + "}")
    assert refused(model) == f"{model / 'model.json'}: unreadable metadata (nested too deeply)"
    (model / "model.json").write_text('{"a": NaN}')
    assert refused(model).startswith(f"{model / 'model.json'}: unreadable metadata (NaN is not a number JSON allows")


@pytest.mark.bad_input
def test_a_link_out_of_the_folder_is_refused(model, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.copy(DEFAULT / "fold_01.npz", outside / "stolen.npz")
    (model / "fold_01.npz").unlink()
    (model / "fold_01.npz").symlink_to(outside / "stolen.npz")
    assert refused(model) == f"{model / 'model.json'}: members[0].file 'fold_01.npz' is not a file inside the model folder"


@pytest.mark.bad_input
def test_an_npz_declaring_terabytes_is_refused_from_its_header(model):
    with zipfile.ZipFile(model / "fold_01.npz", "w") as archive:
        archive.writestr("layer0.weight.npy", npy((1_000_000, 1_000_000)))  # 3.64 TiB of float32
        archive.writestr("layer0.bias.npy", npy((64,)))
    message = refused(model)
    assert message.startswith(f"{model / 'fold_01.npz'}: does not fit the architecture (layers [(1000000, 1000000)]")


@pytest.mark.bad_input
def test_a_compressed_bomb_is_refused_before_decompressing(model):
    """1 GB of zeros deflates to ~1 MB; its declared shape alone refuses it."""
    with zipfile.ZipFile(model / "fold_01.npz", "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("layer0.weight.npy", "w", force_zip64=True) as stream:
            stream.write(npy((2**14, 2**14)))
            zeros = bytes(2**24)
            for _ in range(64):
                stream.write(zeros)
    assert (model / "fold_01.npz").stat().st_size < 4 * 2**20
    assert refused(model).startswith(f"{model / 'fold_01.npz'}: does not fit the architecture (layers [(16384, 16384)]")
    (model / "fold_01.npz").write_bytes(bytes(8 * 2**20))  # larger than any fold of this architecture can be
    assert refused(model) == (f"{model / 'fold_01.npz'}: unreadable checkpoint (OSError: 8,388,608 bytes, "
                              f"more than the 1,881,104 its architecture can need)")


@pytest.mark.bad_input
def test_a_crafted_voiceprint_json_is_one_line(model):
    (model / "voiceprint.json").write_text("[" * 100_000)
    assert refused(model) == f"{model / 'voiceprint.json'}: unreadable voiceprint head (nested too deeply)"


@pytest.mark.bad_input
def test_command_line_says_one_line(model, tmp_path):
    rewrite(model, lambda d: d["members"][3].update(file="../../etc/passwd"))
    result = subprocess.run([sys.executable, "-m", "vgr", "predict", str(EXAMPLE), "--model", str(model)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.splitlines() == [
        f"vgr: error: {model / 'model.json'}: members[3].file '../../etc/passwd' is not a file inside the model folder"]
