"""Fit the bundled model's voiceprint head (vgr/default_model/voiceprint.json) on the shared real recordings.

    python bench/make_voiceprint.py

All labelled speakers of ../shared/audio/real and ../shared/audio/librispeech-test-other except SiSEC (whose
terms allow internal testing only). The blend is chosen by leave-one-speaker-out among them. Deterministic.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from real_audio import BUNDLED, labelled, write_training_labels  # noqa: E402


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        label_files = write_training_labels(labelled(), Path(folder))
        subprocess.run([sys.executable, "-m", "vgr", "voiceprint", *label_files, "--model", str(BUNDLED), "--force"],
                       check=True)


if __name__ == "__main__":
    main()
