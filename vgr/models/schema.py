"""What a model folder may hold, checked in full before any weight is read.

A model folder is untrusted input: ``model.json`` is validated field by field (types, ranges, sizes), member
files must be plain names inside the folder, and each ``.npz``'s declared array shapes are read from the
``.npy`` headers and compared with the architecture before any array is decompressed. Every failure is a
``ModelError`` naming the file, on one line.
"""

from __future__ import annotations

import json
import math
import zipfile
from pathlib import Path

import numpy as np

from vgr.errors import ModelError
from vgr.features.names import FEATURE_NAMES, LABELS
from vgr.files import file_problem, read_json, read_regular  # noqa: F401 (read_json: re-exported)

MAX_LAYERS = 16
MAX_WIDTH = 4096
MAX_MEMBERS = 100
MAX_PARAMETERS = 4_000_000  # per member: 16 MB of float32
MAX_TOTAL_PARAMETERS = 25_000_000  # per model: 100 MB of float32
MAX_KERNEL_ROWS = 50_000  # training rows kept by one kernel model
MAX_TOTAL_KERNEL_ROWS = 500_000  # by all of a model's kernel models: 80 MB of float64 at 20 columns
KERNEL_KINDS = ("rbf-ridge",)


def _fail(path: Path, where: str, rule: str, value: object) -> ModelError:
    shown = repr(value) if not isinstance(value, (dict, list)) else type(value).__name__
    return ModelError(f"{path}: {where} must be {rule}, not {shown[:80]}")


def whole(value: object, low: int, high: int, path: Path, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _fail(path, where, f"a whole number from {low} to {high}", value)
    return value


def number(value: object, path: Path, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _fail(path, where, "a finite number", value)
    return float(value)


def listed(value: object, path: Path, where: str, low: int, high: int) -> list:
    if not isinstance(value, list) or not low <= len(value) <= high:
        raise _fail(path, where, f"a list of {low} to {high} items", value)
    return value


def validate_metadata(metadata: object, path: Path, format_name: str, versions: tuple[int, ...]) -> dict:
    """``model.json`` checked in full; returns it unchanged. The last of ``versions`` (2) has kernel models
    (``kernels``), the one before (1) has none."""
    if not isinstance(metadata, dict):
        raise _fail(path, "the document", "a JSON object", metadata)
    if metadata.get("format") != format_name:
        raise ModelError(f"{path}: format {repr(metadata.get('format'))[:80]} is not {format_name!r}")
    version = metadata.get("format_version")
    if isinstance(version, bool) or version not in versions:
        raise ModelError(f"{path}: format version {repr(version)[:80]} is not supported "
                         f"(this vgr reads {' and '.join(map(str, versions))})")
    if ("kernels" in metadata) != (version == versions[-1]):
        raise ModelError(f"{path}: format version {version} models {'must' if version == versions[-1] else 'cannot'} "
                         "have 'kernels'")
    for key in ("feature_names", "classes", "members", "architecture"):
        if key not in metadata:
            raise ModelError(f"{path}: metadata lacks {key!r}")
    architecture = metadata["architecture"]
    if not isinstance(architecture, dict):
        raise _fail(path, "architecture", "a JSON object", architecture)
    for key in ("inputs", "hidden", "classes", "dropout"):
        if key not in architecture:
            raise ModelError(f"{path}: architecture lacks {key!r}")
    inputs = whole(architecture["inputs"], 1, len(FEATURE_NAMES), path, "architecture.inputs")
    hidden = _hidden(architecture["hidden"], path, "architecture.hidden")
    whole(architecture["classes"], len(LABELS), len(LABELS), path, "architecture.classes")
    dropout = number(architecture["dropout"], path, "architecture.dropout")
    if not 0 <= dropout < 1:
        raise _fail(path, "architecture.dropout", "at least 0 and below 1", dropout)
    parameters = _parameters(inputs, hidden, path, "architecture")
    names = listed(metadata["feature_names"], path, "feature_names", 1, len(FEATURE_NAMES))
    if not all(isinstance(name, str) for name in names) or len(set(names)) != len(names):
        raise _fail(path, "feature_names", "a list of different feature names", names)
    classes = listed(metadata["classes"], path, "classes", len(LABELS), len(LABELS))
    if sorted(map(str, classes)) != sorted(LABELS) or not all(isinstance(c, str) for c in classes):
        raise _fail(path, "classes", f"the labels {' and '.join(LABELS)}", classes)
    members = listed(metadata["members"], path, "members", 1, MAX_MEMBERS)
    total = 0
    for index, member in enumerate(members):
        if not isinstance(member, dict) or not isinstance(member.get("scaler"), dict):
            raise _fail(path, f"members[{index}]", "an object with 'file' and 'scaler' (an object)", member)
        total += parameters if "hidden" not in member else _parameters(
            inputs, _hidden(member["hidden"], path, f"members[{index}].hidden"), path, f"members[{index}]")
    if total > MAX_TOTAL_PARAMETERS:
        raise ModelError(f"{path}: {len(members)} members of {total:,} parameters are more than "
                         f"{MAX_TOTAL_PARAMETERS:,} in all")
    for index, member in enumerate(members):
        member_file(path.parent, member.get("file"), path, f"members[{index}].file")
        _scaler(member["scaler"], len(names), path, f"members[{index}].scaler")
    if "kernels" in metadata:
        _kernels(metadata["kernels"], len(names), path)
    return metadata


def _scaler(scaler: dict, columns: int, path: Path, where: str) -> None:
    for key in ("mean", "scale"):
        values = listed(scaler.get(key), path, f"{where}.{key}", columns, columns)
        for column, value in enumerate(values):
            number(value, path, f"{where}.{key}[{column}]")


def _kernels(kernels: object, columns: int, path: Path) -> None:
    """``kernels``: {"kind", "weight", "models": [{"file", "scaler", "gamma", "intercept", "rows"}, ...]}."""
    if not isinstance(kernels, dict):
        raise _fail(path, "kernels", "a JSON object", kernels)
    if kernels.get("kind") not in KERNEL_KINDS:
        raise _fail(path, "kernels.kind", f"one of {', '.join(KERNEL_KINDS)}", kernels.get("kind"))
    weight = number(kernels.get("weight"), path, "kernels.weight")
    if not 0 <= weight <= 1:
        raise _fail(path, "kernels.weight", "from 0 to 1", weight)
    total = 0
    for index, model in enumerate(listed(kernels.get("models"), path, "kernels.models", 1, MAX_MEMBERS)):
        where = f"kernels.models[{index}]"
        if not isinstance(model, dict) or not isinstance(model.get("scaler"), dict):
            raise _fail(path, where, "an object with 'file', 'scaler' (an object), 'gamma', 'intercept', 'rows'", model)
        member_file(path.parent, model.get("file"), path, f"{where}.file")
        _scaler(model["scaler"], columns, path, f"{where}.scaler")
        if not number(model.get("gamma"), path, f"{where}.gamma") > 0:
            raise _fail(path, f"{where}.gamma", "above 0", model.get("gamma"))
        number(model.get("intercept"), path, f"{where}.intercept")
        total += whole(model.get("rows"), 1, MAX_KERNEL_ROWS, path, f"{where}.rows")
    if total > MAX_TOTAL_KERNEL_ROWS:
        raise ModelError(f"{path}: the kernel models keep {total:,} rows, more than {MAX_TOTAL_KERNEL_ROWS:,} in all")


def _hidden(value: object, path: Path, where: str) -> list[int]:
    return [whole(size, 1, MAX_WIDTH, path, f"{where}[{index}]")
            for index, size in enumerate(listed(value, path, where, 0, MAX_LAYERS))]


def _parameters(inputs: int, hidden: list[int], path: Path, where: str) -> int:
    sizes = [inputs, *hidden, len(LABELS)]
    parameters = sum((before + 1) * after for before, after in zip(sizes, sizes[1:]))
    if parameters > MAX_PARAMETERS:
        raise ModelError(f"{path}: {where} has {parameters:,} parameters per member (at most {MAX_PARAMETERS:,})")
    return parameters


def member_file(folder: Path, name: object, path: Path, where: str) -> Path:
    """The member's file: a relative name that stays inside ``folder`` (no ``..``, no absolute path, no link out)."""
    if not isinstance(name, str) or not name or "\0" in name:
        raise _fail(path, where, "a file name", name)
    relative = Path(name)
    inside = not relative.is_absolute() and ".." not in relative.parts
    if inside:
        try:
            (folder / relative).resolve().relative_to(folder.resolve())
        except (ValueError, OSError, RuntimeError):
            inside = False
    if not inside:
        raise ModelError(f"{path}: {where} {name[:200]!r} is not a file inside the model folder")
    return folder / relative


def declared_arrays(path: Path, limit: int) -> dict[str, tuple[tuple[int, ...], np.dtype]]:
    """Name -> (shape, dtype) of every array in an ``.npz``, from the ``.npy`` headers only (nothing decompressed
    beyond them). ``ValueError`` for object arrays or a non-npy member; ``zipfile.BadZipFile`` / ``OSError``
    for a file that is not a readable zip of at most ``limit`` bytes."""
    size = path.stat().st_size
    if size > limit:
        raise OSError(0, f"{size:,} bytes, more than the {limit:,} its architecture can need")
    declared = {}
    with zipfile.ZipFile(path) as archive:
        members = archive.infolist()
        if len(members) > 2 * MAX_LAYERS + 2:
            raise ValueError(f"{len(members)} arrays")
        for info in members:
            if not info.filename.endswith(".npy"):
                raise ValueError(f"{info.filename!r} is not a .npy array")
            with archive.open(info) as stream:
                version = np.lib.format.read_magic(stream)
                reader = {(1, 0): np.lib.format.read_array_header_1_0,
                          (2, 0): np.lib.format.read_array_header_2_0}.get(version)
                if reader is None:
                    raise ValueError(f"{info.filename}: .npy format {version} is not supported")
                shape, _, dtype = reader(stream)
            if dtype.hasobject:
                raise ValueError(f"{info.filename}: object arrays are refused (they would be unpickled)")
            if dtype.kind != "f" or dtype.itemsize > 8:
                raise ValueError(f"{info.filename}: {dtype} is not a float array")
            declared[info.filename[: -len(".npy")]] = (tuple(shape), dtype)
    return declared
