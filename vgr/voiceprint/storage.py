"""``voiceprint.json`` in a model folder: the head's weights, blend and provenance, as plain JSON."""

from __future__ import annotations

import json
from pathlib import Path

from vgr._version import __version__
from vgr.errors import ModelError
from vgr.outputs import write_atomically
from vgr.voiceprint.head import VoiceprintHead

FORMAT = "vgr-voiceprint"
FORMAT_VERSION = 1
FILE = "voiceprint.json"
DIMENSION = 256


def save_voiceprint(head: VoiceprintHead, folder: str | Path, *, force: bool = False) -> Path:
    from vgr.voiceprint.encoder import weights_sha256

    path = Path(folder) / FILE
    document = {"format": FORMAT, "format_version": FORMAT_VERSION, "vgr_version": __version__,
                "encoder_sha256": weights_sha256(), **head.as_dict()}
    write_atomically(path, lambda stream: stream.write(json.dumps(document, indent=1) + "\n"), force=force)
    return path


def load_voiceprint(folder: str | Path) -> VoiceprintHead | None:
    """The folder's head, or None when it has none; a head made for other encoder weights is refused."""
    from vgr.files import read_json
    from vgr.voiceprint.encoder import weights_sha256

    path = Path(folder) / FILE
    if not path.exists() and not path.is_symlink():
        return None
    document = read_json(path, "voiceprint head")  # a regular file of bounded size, any nesting refused cleanly
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ModelError(f"{path}: not a {FORMAT!r} file")
    if document.get("format_version") != FORMAT_VERSION:
        raise ModelError(f"{path}: format version {document.get('format_version')!r} is not supported "
                         f"(this vgr reads {FORMAT_VERSION})")
    if document.get("encoder_sha256") != weights_sha256():
        raise ModelError(f"{path}: made for other voice-encoder weights than this vgr ships")
    fields = {k: v for k, v in document.items() if k not in ("format", "format_version", "encoder_sha256")}
    try:
        return VoiceprintHead.from_dict(fields, DIMENSION)
    except ModelError as error:
        raise ModelError(f"{path}: {error}") from None
