"""Rewrite tests/data/resemblyzer_embeddings.txt with Resemblyzer's own embeddings (run by hand).

    pip install --no-deps --target /tmp/rz resemblyzer==0.1.4
    PYTHONPATH=/tmp/rz python bench/make_resemblyzer_embeddings.py

Resemblyzer 0.1.4 itself (its torch LSTM and ``embed_utterance``) embeds the recordings that
tests/test_voiceprint.py compares with vgr's numpy re-implementation. Its ``preprocess_wav`` is followed step by
step except the voice-activity trimming, which vgr does not do: the left channel as float in [-1, 1],
``librosa.resample`` to 16 kHz, ``normalize_volume(-30, increase_only=True)``. Resemblyzer imports webrtcvad
only for that trimming; where it is not installed a stand-in module is used, since it is never called.
"""

from __future__ import annotations

import sys
import types
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "tests" / "data" / "resemblyzer_embeddings.txt"
FILES = ("../shared/audio/variants/1998-15444-0000_sr44100.wav", "vgr/examples/male.flac")  # relative to ROOT
HEADER = ("Resemblyzer 0.1.4 embed_utterance (librosa.resample to 16 kHz, normalize_volume(-30, increase_only), "
          "no VAD):\n" + ", ".join(f"row {i}: {name}" for i, name in enumerate(FILES, start=1)))


def main() -> None:
    import librosa
    import soundfile

    try:
        import webrtcvad  # noqa: F401
    except ImportError:
        sys.modules["webrtcvad"] = types.ModuleType("webrtcvad")
    from resemblyzer import VoiceEncoder
    from resemblyzer.audio import normalize_volume
    from resemblyzer.hparams import audio_norm_target_dBFS, sampling_rate

    encoder = VoiceEncoder("cpu", verbose=False)
    rows = []
    for name in FILES:
        samples, rate = soundfile.read(str(ROOT / name), dtype="float32", always_2d=True)
        wav = samples[:, 0]
        if rate != sampling_rate:
            wav = librosa.resample(wav, orig_sr=rate, target_sr=sampling_rate)
        wav = normalize_volume(wav, audio_norm_target_dBFS, increase_only=True)
        rows.append(encoder.embed_utterance(wav))
    np.savetxt(TARGET, np.array(rows), fmt="%.9g", header=HEADER)
    print(f"wrote {TARGET}")


if __name__ == "__main__":
    main()
