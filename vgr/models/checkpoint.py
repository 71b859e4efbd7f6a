"""MODEL_DIR on disk: ``model.json`` (metadata, scalers) and one plain-tensor ``fold_XX.pt`` per member.

Loading never unpickles code: tensors are read with ``torch.load(weights_only=True)``.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from vgr._version import __version__
from vgr.errors import ModelError
from vgr.models.ensemble import Ensemble, Member
from vgr.models.network import MLPConfig, build_network
from vgr.models.scaler import Scaler
from vgr.outputs import refuse_overwrite

FORMAT = "vgr-ensemble"
FORMAT_VERSION = 1
METADATA = "model.json"


def save_ensemble(ensemble: Ensemble, folder: str | Path, *, force: bool = False) -> None:
    """Write the folder next to its final place, then move it in, so a reader never sees half of it."""
    import torch

    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        refuse_overwrite(folder, force)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        members = []
        for index, member in enumerate(ensemble.members, start=1):
            name = f"fold_{index:02d}.pt"
            torch.save(member.network.state_dict(), staging / name)
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


def load_ensemble(folder: str | Path) -> Ensemble:
    """Rebuild and validate every member; clear errors for a missing fold, wrong version or bad tensors."""
    import pickle

    import torch

    folder = Path(folder)
    metadata = read_metadata(folder)
    config = MLPConfig.from_dict(metadata["architecture"])
    names = tuple(metadata["feature_names"])
    if config.inputs != len(names):
        raise ModelError(f"{folder}: architecture takes {config.inputs} inputs but {len(names)} feature names are listed")
    members = []
    for entry in metadata["members"]:
        path = folder / entry["file"]
        if not path.is_file():
            raise ModelError(f"{path}: fold checkpoint is missing")
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
        except pickle.UnpicklingError as error:
            raise ModelError(f"{path}: refused: not a plain-tensor checkpoint ({str(error).splitlines()[0]})") from None
        except Exception as error:  # truncated or corrupt archive
            raise ModelError(f"{path}: unreadable checkpoint ({type(error).__name__}: {error})".splitlines()[0]) from None
        network = build_network(config)
        try:
            network.load_state_dict(state)
        except (RuntimeError, TypeError, AttributeError) as error:
            raise ModelError(f"{path}: does not fit the architecture ({str(error).splitlines()[0]})") from None
        network.eval()
        scaler = Scaler.from_dict(entry["scaler"])
        if scaler.mean.shape != (len(names),):
            raise ModelError(f"{folder}: scaler of {entry['file']} has {scaler.mean.size} features, expected {len(names)}")
        members.append(Member(network, scaler))
    if not members:
        raise ModelError(f"{folder}: the ensemble has no members")
    extra = {k: v for k, v in metadata.items() if k not in ("members",)}
    return Ensemble(names, members, extra, tuple(metadata["classes"]))
