"""Rebuild vgr/voiceprint/encoder.npz from the Resemblyzer wheel on PyPI (run by hand; see vgr/voiceprint/NOTICE).

    pip download resemblyzer==0.1.4 --no-deps -d /tmp/rz && python bench/make_voiceprint_weights.py /tmp/rz/*.whl
"""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

import librosa
import numpy as np
import torch

TARGET = Path(__file__).resolve().parents[1] / "vgr" / "voiceprint" / "encoder.npz"


def main(wheel: str) -> None:
    with zipfile.ZipFile(wheel) as archive:
        checkpoint = torch.load(io.BytesIO(archive.read("resemblyzer/pretrained.pt")), map_location="cpu",
                                weights_only=True)
    state = checkpoint["model_state"]
    arrays = {name.replace(".", "_"): tensor.numpy().astype(np.float32)
              for name, tensor in state.items() if name.startswith(("lstm", "linear"))}
    arrays["mel_filters"] = librosa.filters.mel(sr=16000, n_fft=400, n_mels=40).astype(np.float32)
    np.savez(TARGET, **arrays)
    print(f"wrote {TARGET}")


if __name__ == "__main__":
    main(sys.argv[1])
