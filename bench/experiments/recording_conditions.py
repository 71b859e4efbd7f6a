"""Does the speech detector hold up when the recording is not clean? Development and trainable mixtures only.

    python bench/experiments/recording_conditions.py /tmp/v17/train /tmp/v17/trains [--detectors vgr vgr-no-high-pass]

Each mixture as it is, with a DC offset (0.003 and 0.05 of full scale), with 50 Hz mains hum at -30 dBFS
(an amplitude of 0.03), and band-limited to telephone width (through 8 kHz and back); then the detectors of
``bench/vad.py`` on each, scored against the mixture's own ``truth.csv``.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
RATE = 16000


def telephone(x: np.ndarray) -> np.ndarray:
    import soxr

    return soxr.resample(soxr.resample(x, RATE, 8000), 8000, RATE)[: x.size]


CONDITIONS = {
    "as recorded": lambda x: x,
    "DC offset 0.003": lambda x: x + 0.003,
    "DC offset 0.05": lambda x: x + 0.05,
    "50 Hz hum, -30 dBFS": lambda x: x + 0.03 * np.sin(2 * np.pi * 50 * np.arange(x.size) / RATE),
    "telephone band": telephone,
}


def main(argv=None) -> int:
    import soundfile
    import vad

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mixtures", nargs="+", type=Path)
    parser.add_argument("--detectors", nargs="*", default=["vgr", "vgr-no-high-pass"], choices=list(vad.DETECTORS))
    args = parser.parse_args(argv)
    detectors = {name: vad.DETECTORS[name]() for name in args.detectors}
    print("| mixtures | condition | detector | files | audio min | missed | false alarm s | boundary error median (p90) s "
          "| x real time |\n|---|---|---|---|---|---|---|---|---|")
    for folder in args.mixtures:
        for condition, change in CONDITIONS.items():
            with tempfile.TemporaryDirectory() as temporary:
                out = Path(temporary) / folder.name
                out.mkdir()
                shutil.copy(folder / "truth.csv", out / "truth.csv")
                for path in sorted(folder.glob("*.wav")):
                    samples, rate = soundfile.read(path)
                    soundfile.write(out / path.name, np.clip(change(samples), -1, 1), rate, subtype="PCM_16")
                for line in vad.on_mixtures(out, detectors):
                    if line.startswith(f"| {folder.name} |"):
                        print(line.replace(f"| {folder.name} |", f"| {folder.name} | {condition} |", 1), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
