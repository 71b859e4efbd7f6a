"""MODEL_DIR on disk: ``model.json`` (metadata, scalers) and one ``.npz`` of plain arrays per member.

Members are stored fold by fold: ``fold_XX.npz``, or ``fold_XX_M.npz`` when each fold has several networks
(``training.members_per_fold``). ``model.json`` lists every member's file, so loading needs no naming rule.

A member whose hidden layer sizes differ from ``architecture.hidden`` (``vgr train --hidden 128,128,128+256,256``)
has its own ``hidden`` list in its ``members`` entry.

Format version 2 adds each fold's kernel model (``vgr.models.kernel``, the ``vgr train`` default since issue 16's
seventh round): ``kernel_XX.npz`` (arrays ``points`` and ``weights``) and a ``kernels`` entry in ``model.json``
(``kind``, the blend ``weight``, and per model its file, scaler, ``gamma``, ``intercept`` and ``rows``). A model
without kernel models is still written as version 1, so an older vgr reads it; this vgr reads both.

Loading never unpickles anything (``numpy.load(allow_pickle=False)``) and needs no torch. A model folder is
untrusted input: ``vgr.models.schema`` checks all of ``model.json`` and each fold's declared shapes first.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path

from vgr._version import __version__
from vgr.errors import ModelError
from vgr.models.ensemble import Ensemble, Member
from vgr.models.kernel import KIND, KernelModel
from vgr.features.names import FEATURE_NAMES
from vgr.files import file_problem
from vgr.models.network import MLPConfig
from vgr.models.schema import declared_arrays, member_file
from vgr.models.scaler import Scaler
from vgr.models.weights import Layers
from vgr.outputs import refuse_overwrite

FORMAT = "vgr-ensemble"
FORMAT_VERSION = 2  # with kernel models; 1 without (both are read)
FORMAT_VERSIONS = (1, 2)
METADATA = "model.json"


def save_ensemble(ensemble: Ensemble, folder: str | Path, *, force: bool = False) -> None:
    """Write the folder next to its final place, then move it in, so a reader never sees half of it."""
    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        refuse_overwrite(folder, force, folder=True)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        members = []
        per_fold = ensemble.metadata.get("training", {}).get("members_per_fold", 1)
        architecture = ensemble.metadata.get("architecture", {}).get("hidden")
        if not isinstance(per_fold, int) or per_fold < 1 or len(ensemble.members) % per_fold:
            per_fold = 1  # not a vgr train ensemble: number the members one by one
        for index, member in enumerate(ensemble.members):
            fold, rank = divmod(index, per_fold)
            name = f"fold_{fold + 1:02d}.npz" if per_fold == 1 else f"fold_{fold + 1:02d}_{rank + 1}.npz"
            member.layers.save(staging / name)
            hidden = [int(weight.shape[0]) for weight in member.layers.weights[:-1]]
            own = {} if architecture is not None and hidden == list(architecture) else {"hidden": hidden}
            members.append({"file": name, "scaler": member.scaler.as_dict(), **own})
        kernels = []
        for index, kernel in enumerate(ensemble.kernels):
            name = f"kernel_{index + 1:02d}.npz"
            kernel.save(staging / name)
            kernels.append(kernel.as_dict(name))
        metadata = {
            **{k: v for k, v in ensemble.metadata.items() if k != "kernels"},
            "format": FORMAT,
            "format_version": FORMAT_VERSION if kernels else FORMAT_VERSIONS[0],
            "vgr_version": __version__,
            "feature_names": list(ensemble.feature_names),
            "classes": list(ensemble.labels),
            "members": members,
            **({"kernels": {"kind": KIND, "weight": ensemble.kernel_weight, "models": kernels}} if kernels else {}),
        }
        (staging / METADATA).write_text(json.dumps(metadata, indent=1) + "\n")
        staging.chmod(0o755)  # mkdtemp makes it private; a model folder is ordinary data
        if folder.exists():
            shutil.rmtree(folder)
        staging.rename(folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def read_metadata(folder: Path) -> dict:
    """``model.json``, validated in full (``vgr.models.schema``)."""
    from vgr.files import read_json
    from vgr.models.schema import validate_metadata

    path = folder / METADATA
    if not folder.is_dir():
        raise ModelError(f"{folder}: not a model folder")
    if not path.exists() and not path.is_symlink():
        raise ModelError(f"{folder}: no {METADATA} (not a vgr model folder)")
    return validate_metadata(read_json(path, "metadata"), path, FORMAT, FORMAT_VERSIONS)


def expected_shapes(config: MLPConfig) -> list[tuple[int, int]]:
    sizes = [config.inputs, *config.hidden, config.classes]
    return [(after, before) for before, after in zip(sizes, sizes[1:])]


def load_ensemble(folder: str | Path) -> Ensemble:
    """Rebuild and validate every member; clear errors for a missing fold, wrong version or bad arrays."""
    folder = Path(folder)
    metadata = read_metadata(folder)
    config = MLPConfig.from_dict(metadata["architecture"])
    names = tuple(metadata["feature_names"])
    unknown = [name for name in names if name not in FEATURE_NAMES]
    if unknown:
        raise ModelError(f"{folder}: unknown feature name(s) {', '.join(map(repr, unknown))} in {METADATA}")
    if config.inputs != len(names):
        raise ModelError(f"{folder}: architecture takes {config.inputs} inputs but {len(names)} feature names are listed")
    members = []
    for index, entry in enumerate(metadata["members"]):
        expected = expected_shapes(replace(config, hidden=tuple(entry["hidden"])) if "hidden" in entry else config)
        limit = 8 * sum(rows * (columns + 1) for rows, columns in expected) + 2**20  # float64 and zip overhead
        path = member_file(folder, entry["file"], folder / METADATA, f"members[{index}].file")
        def layers_of(declared):
            shapes = [declared.get(f"layer{i}.weight", ((),))[0] for i in range(len(expected))]
            biases = [declared.get(f"layer{i}.bias", ((),))[0] for i in range(len(expected))]
            if shapes != expected or biases != [(s[0],) for s in expected] or len(declared) != 2 * len(expected):
                found = [shape for name, (shape, _) in sorted(declared.items()) if name.endswith(".weight")]
                raise ModelError(f"{path}: does not fit the architecture (layers {found}, expected {expected})")
            return Layers.load(path)

        members.append(Member(_arrays(path, limit, layers_of), _scaler(folder, entry, len(names))))
    if not members:
        raise ModelError(f"{folder}: the ensemble has no members")
    kernels = metadata.get("kernels", {})
    extra = {k: v for k, v in metadata.items() if k not in ("members", "kernels")}
    from vgr.voiceprint.storage import load_voiceprint

    return Ensemble(names, members, extra, tuple(metadata["classes"]), load_voiceprint(folder),
                    kernels=[_kernel(folder, entry, len(names)) for entry in kernels.get("models", [])],
                    kernel_weight=float(kernels.get("weight", 0.0)))


def _kernel(folder: Path, entry: dict, columns: int) -> KernelModel:
    """One kernel model: its declared arrays checked against ``rows`` × ``columns`` before anything is read."""
    path = member_file(folder, entry["file"], folder / METADATA, "kernels.models[].file")
    expected = {"points": (entry["rows"], columns), "weights": (entry["rows"],)}

    def kernel_of(declared):
        found = {name: shape for name, (shape, _) in declared.items()}
        if found != expected:
            raise ModelError(f"{path}: does not fit its entry in {METADATA} (arrays {found}, expected {expected})")
        return KernelModel.load(path, {**entry, "scaler": _scaler(folder, entry, columns).as_dict()})

    return _arrays(path, 8 * entry["rows"] * (columns + 1) + 2**20, kernel_of)


def _arrays(path: Path, limit: int, build):
    """``build(declared arrays)`` for the ``.npz`` at ``path``, every failure a one-line ``ModelError``."""
    import zipfile

    problem = file_problem(path)
    if problem in ("no such file", "broken symbolic link"):
        raise ModelError(f"{path}: fold checkpoint is missing")
    if problem:
        raise ModelError(f"{path}: {problem}")
    try:
        return build(declared_arrays(path, limit))
    except ValueError as error:
        raise ModelError(f"{path}: refused: not a plain-array checkpoint ({str(error).splitlines()[0]})") from None
    except (OSError, EOFError, KeyError, zipfile.BadZipFile) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else error
        raise ModelError(f"{path}: unreadable checkpoint ({type(error).__name__}: {reason})".splitlines()[0]) from None


def _scaler(folder: Path, entry: dict, columns: int) -> Scaler:
    try:
        scaler = Scaler.from_dict(entry["scaler"])
    except (KeyError, TypeError, ValueError) as error:
        raise ModelError(f"{folder}: scaler of {entry['file']} is malformed ({error})".splitlines()[0]) from None
    if scaler.mean.shape != (columns,):
        raise ModelError(f"{folder}: scaler of {entry['file']} has {scaler.mean.size} features, expected {columns}")
    return scaler
