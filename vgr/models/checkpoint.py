"""MODEL_DIR on disk: ``model.json`` (metadata, scalers) and one ``fold_XX.npz`` of plain arrays per member.

Loading never unpickles anything (``numpy.load(allow_pickle=False)``) and needs no torch.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from vgr._version import __version__
from vgr.errors import ModelError
from vgr.models.ensemble import Ensemble, Member
from vgr.features.names import FEATURE_NAMES
from vgr.models.network import MLPConfig
from vgr.models.scaler import Scaler
from vgr.models.weights import Layers
from vgr.outputs import refuse_overwrite

FORMAT = "vgr-ensemble"
FORMAT_VERSION = 1
METADATA = "model.json"


def save_ensemble(ensemble: Ensemble, folder: str | Path, *, force: bool = False) -> None:
    """Write the folder next to its final place, then move it in, so a reader never sees half of it."""
    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        refuse_overwrite(folder, force)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        members = []
        for index, member in enumerate(ensemble.members, start=1):
            name = f"fold_{index:02d}.npz"
            member.layers.save(staging / name)
            members.append({"file": name, "scaler": member.scaler.as_dict()})
        metadata = {
            **ensemble.metadata,
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "vgr_version": __version__,
            "feature_names": list(ensemble.feature_names),
            "classes": list(ensemble.labels),
            "members": members,
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
    path = folder / METADATA
    if not folder.is_dir():
        raise ModelError(f"{folder}: not a model folder")
    try:
        metadata = json.loads(path.read_text())
    except FileNotFoundError:
        raise ModelError(f"{folder}: no {METADATA} (not a vgr model folder)") from None
    except (OSError, ValueError) as error:
        raise ModelError(f"{path}: unreadable metadata ({error})") from None
    if metadata.get("format") != FORMAT:
        raise ModelError(f"{path}: format {metadata.get('format')!r} is not {FORMAT!r}")
    if metadata.get("format_version") != FORMAT_VERSION:
        raise ModelError(
            f"{path}: format version {metadata.get('format_version')!r} is not supported (this vgr reads {FORMAT_VERSION})"
        )
    for key in ("feature_names", "classes", "members", "architecture"):
        if key not in metadata:
            raise ModelError(f"{path}: metadata lacks {key!r}")
    return metadata


def expected_shapes(config: MLPConfig) -> list[tuple[int, int]]:
    sizes = [config.inputs, *config.hidden, config.classes]
    return [(after, before) for before, after in zip(sizes, sizes[1:])]


def load_ensemble(folder: str | Path) -> Ensemble:
    """Rebuild and validate every member; clear errors for a missing fold, wrong version or bad arrays."""
    import zipfile

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
    for entry in metadata["members"]:
        path = folder / entry["file"]
        if not path.is_file():
            raise ModelError(f"{path}: fold checkpoint is missing")
        try:
            layers = Layers.load(path)
        except ValueError as error:
            raise ModelError(f"{path}: refused: not a plain-array checkpoint ({str(error).splitlines()[0]})") from None
        except (OSError, EOFError, KeyError, zipfile.BadZipFile) as error:
            raise ModelError(f"{path}: unreadable checkpoint ({type(error).__name__}: {error})".splitlines()[0]) from None
        shapes = [tuple(w.shape) for w in layers.weights]
        if shapes != expected_shapes(config) or [b.shape for b in layers.biases] != [(s[0],) for s in shapes]:
            raise ModelError(f"{path}: does not fit the architecture (layers {shapes}, expected {expected_shapes(config)})")
        try:
            scaler = Scaler.from_dict(entry["scaler"])
        except (KeyError, TypeError, ValueError) as error:
            raise ModelError(f"{folder}: scaler of {entry['file']} is malformed ({error})".splitlines()[0]) from None
        if scaler.mean.shape != (len(names),):
            raise ModelError(f"{folder}: scaler of {entry['file']} has {scaler.mean.size} features, expected {len(names)}")
        members.append(Member(layers, scaler))
    if not members:
        raise ModelError(f"{folder}: the ensemble has no members")
    extra = {k: v for k, v in metadata.items() if k not in ("members",)}
    from vgr.voiceprint.storage import load_voiceprint

    return Ensemble(names, members, extra, tuple(metadata["classes"]), load_voiceprint(folder))
