"""Does silero-vad hear steady sounds as speech? Why its vouching for runs the energy test rejects stops at 1 s.

    python bench/experiments/silero_steady_sounds.py

Plays harmonic tones (150-600 Hz, harmonics 1-3, as ``bench/make_mixtures.py``'s gaps), white noise and pink
noise alone, 0.3-1.5 s long (four of each length), between 1 s of -70 dBFS hiss at -40 to -10 dBFS RMS, and
counts those in which silero-vad (``vgr.segment.silero``, ``get_speech_timestamps`` rules) finds speech.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
RATE = 16000


def sound(rng: np.random.Generator, kind: str, seconds: float) -> np.ndarray:
    n = int(seconds * RATE)
    if kind == "tone":
        t = np.arange(n) / RATE
        f0 = rng.uniform(150, 600)
        return sum(np.sin(2 * np.pi * k * f0 * t) / k for k in (1, 2, 3))
    white = rng.normal(0, 1, n)
    if kind == "white noise":
        return white
    spectrum = np.fft.rfft(white)
    return np.fft.irfft(spectrum / np.sqrt(np.maximum(np.arange(spectrum.size), 1)), n)


def main() -> None:
    from vgr.segment import silero

    rng = np.random.default_rng(0)
    print("| sound | dBFS | heard as speech |\n|---|---|---|")
    for kind in ("tone", "white noise", "pink noise"):
        for level in (-40, -30, -20, -10):
            heard = 0
            for seconds in (0.3, 0.5, 0.7, 1.0, 1.5):
                for _ in range(4):
                    x = sound(rng, kind, seconds)
                    x = x / np.sqrt(np.mean(x**2)) * 10 ** (level / 20)
                    played = np.concatenate([np.zeros(RATE), x, np.zeros(RATE)])
                    played += rng.normal(0, 10 ** (-70 / 20), played.size)
                    heard += bool(silero.speech_regions(silero.probabilities(np.clip(played, -1, 1))))
            print(f"| {kind} | {level} | {heard} of 20 |")


if __name__ == "__main__":
    main()
