"""Speech detectors compared on mixtures with known answers and on music: vgr's energy detector, webrtcvad, silero-vad.

    python bench/vad.py --mixtures DIR [DIR ...] [--music DIR] [--segment]

Each ``--mixtures`` folder is one written by ``bench/make_mixtures.py`` (or ``make_music.py --under``); its
``truth.csv`` turns are the speech. Per 10 ms:

- **missed**: share of turn time not called speech (the turns include the 0.2 s joins and the pauses inside
  sentences, so no detector reaches 0 %);
- **false alarm s**: seconds called speech outside every turn (silences, tones, hiss), and per minute of audio;
- **boundary error**: each true turn start and end to the nearest start or end of a detected region; median
  and 90th percentile;
- **x real time**: audio seconds per CPU second of the detector alone (audio already decoded, one thread).

``--music`` (a folder of ``bench/make_music.py``) adds the seconds of music called speech, by split (``dev``,
``heldout``). ``--segment`` also runs today's whole ``vgr segment`` on the music (labelled seconds).

Detectors (all at 16 kHz):

- ``energy``: ``vgr.segment.activity`` on the 20 ms levels, exactly as ``vgr segment`` finds speech today;
- ``webrtc-N``: webrtcvad (``webrtcvad-wheels``) at aggressiveness mode N, 30 ms frames, then the energy
  detector's own bridging of pauses < 0.3 s and dropping of runs < 0.3 s;
- ``silero``: silero-vad's ``get_speech_timestamps`` at its defaults (threshold 0.5), its ONNX model run by
  onnxruntime (the package itself needs torch);
- ``silero-ort``: the same network (its 16 kHz ONNX export) and the same defaults, run with onnxruntime and
  numpy only, 4 s pieces side by side (``vgr.segment.silero``);
- ``energy&silero-W``: the energy detector's frames kept where silero-ort found speech within W s
  (``vgr.segment.detect.gated``), silero-vad hearing the audio as it is;
- ``vgr``: ``vgr segment``'s detector as shipped (``vgr.segment.detect.speech_regions``): the gate at 2 s, with
  silero-vad hearing each stretch of the energy detector raised to speech level;
- ``vgr-unvouched``: ``vgr`` without silero-vad vouching for word-long runs the energy test rejects (as it was
  before issue 17's comparison on short words);
- ``vgr-vouching-any-length``: ``vgr`` with silero-vad vouching for rejected runs however long (not up to 1 s);
- ``vgr-no-high-pass``: ``vgr`` with the levels of the samples as they are, no high-pass at 20 Hz (as before
  issue 17's look at recording conditions);
- ``NAME@-55``: NAME with the energy detector's absolute floor at -55 dBFS, as it was before issue 17's
  comparison on quiet speech (now -60).
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
STEP = 0.01
RATE = 16000


def truth_table(path: Path) -> dict[str, list[tuple[float, float]]]:
    table = defaultdict(list)
    with open(path, newline="") as stream:
        for row in csv.DictReader(stream):
            table[row["file"]].append((float(row["start"]), float(row["end"])))
    return table


def on_grid(regions, seconds: float) -> np.ndarray:
    """True for each 10 ms inside one of ``regions`` (start, end seconds)."""
    mask = np.zeros(int(np.ceil(seconds / STEP)) + 1, dtype=bool)
    for start, end in regions:
        mask[int(round(start / STEP)) : int(round(end / STEP))] = True
    return mask


def levels(samples: np.ndarray) -> np.ndarray:
    """The 20 ms levels as ``vgr segment`` measures them (``vgr.segment.stream.levels_of``)."""
    from vgr.segment.stream import levels_of

    return levels_of(samples, RATE)


def energy(samples: np.ndarray) -> list[tuple[float, float]]:
    from vgr.segment.activity import speech_regions

    return speech_regions(levels(samples), 0.02)


def gated(widen: float):
    from vgr.segment import activity, detect

    def detect_gated(samples: np.ndarray) -> list[tuple[float, float]]:
        kept = detect.gated(activity.speech_frames(levels(samples), 0.02), detect.voice_regions([samples], RATE),
                            0.02, widen)
        return [(a * 0.02, b * 0.02) for a, b in activity.runs(kept)]

    return detect_gated


def webrtc(mode: int):
    import webrtcvad

    from vgr.segment.activity import BRIDGE_SECONDS, MIN_SPEECH_SECONDS, runs

    vad = webrtcvad.Vad(mode)
    frame = int(0.03 * RATE)

    def detect(samples: np.ndarray) -> list[tuple[float, float]]:
        pcm = np.clip(np.round(samples * 32767), -32768, 32767).astype("<i2")
        count = pcm.size // frame
        speech = np.array([vad.is_speech(pcm[k * frame : (k + 1) * frame].tobytes(), RATE) for k in range(count)])
        for start, stop in runs(~speech):  # the energy detector's hangover and shortest run, in 30 ms frames
            if 0 < start and stop < speech.size and (stop - start) * 0.03 < BRIDGE_SECONDS:
                speech[start:stop] = True
        return [(a * 0.03, b * 0.03) for a, b in runs(speech) if (b - a) * 0.03 >= MIN_SPEECH_SECONDS]

    return detect


def silero_package():
    import torch
    from silero_vad import get_speech_timestamps, load_silero_vad

    torch.set_num_threads(1)
    model = load_silero_vad(onnx=True)

    def detect(samples: np.ndarray) -> list[tuple[float, float]]:
        found = get_speech_timestamps(torch.from_numpy(samples.astype(np.float32)), model, sampling_rate=RATE)
        return [(s["start"] / RATE, s["end"] / RATE) for s in found]

    return detect


def silero_ort():
    from vgr.segment import silero

    def detect(samples: np.ndarray) -> list[tuple[float, float]]:
        return silero.speech_regions(silero.probabilities(samples), samples.size / RATE)

    return detect


def shipped():
    """``vgr segment``'s own detector: the gate at its width, silero-vad hearing each stretch raised."""
    from vgr.segment import detect

    def detect_shipped(samples: np.ndarray) -> list[tuple[float, float]]:
        return detect.speech_regions(levels(samples), 0.02, [samples], RATE)

    return detect_shipped


def patched(make, module: str, name: str, value):
    """``make``'s detector run with ``vgr.segment.<module>.<name>`` set to ``value``, put back after each call."""
    from importlib import import_module

    target = import_module(f"vgr.segment.{module}")
    detector = make()

    def detect_patched(samples: np.ndarray) -> list[tuple[float, float]]:
        kept = getattr(target, name)
        setattr(target, name, value)
        try:
            return detector(samples)
        finally:
            setattr(target, name, kept)

    return detect_patched


def unvouched():
    """``vgr``'s detector as it was before silero-vad vouched for word-long runs (``detect.vouched``)."""
    return patched(shipped, "detect", "vouched", lambda loud, voice, step: np.zeros_like(loud))


def vouching_any_length():
    """``vgr`` with silero-vad vouching for rejected loud runs of any length (it stops at 1 s)."""
    return patched(shipped, "detect", "VOUCHED_LONGEST", 1e9)


def without_high_pass():
    """``vgr`` measuring the levels of the samples as they are (before issue 17's high-pass against DC offsets)."""
    return patched(shipped, "stream", "HIGH_PASS_HZ", 0.0)


def at_absolute(db: float, make):
    """``make``'s detector with the energy detector's absolute floor at ``db`` dBFS (-55 until issue 17's
    quiet-speech comparison)."""
    return patched(make, "activity", "ABSOLUTE_DB", db)


DETECTORS = {"energy": lambda: energy, **{f"webrtc-{m}": (lambda m=m: webrtc(m)) for m in range(4)},
             "silero": silero_package, "silero-ort": silero_ort,
             **{f"energy&silero-{w}": (lambda w=w: gated(w)) for w in (0.2, 0.5, 1.0, 2.0)},
             "energy@-55": lambda: at_absolute(-55.0, lambda: energy),
             "energy&silero-2.0@-55": lambda: at_absolute(-55.0, lambda: gated(2.0)),
             "vgr": shipped, "vgr-unvouched": unvouched, "vgr-vouching-any-length": vouching_any_length,
             "vgr-no-high-pass": without_high_pass}


def read(path: Path) -> np.ndarray:
    import soundfile

    samples, rate = soundfile.read(path, dtype="float64", always_2d=True)
    if rate != RATE:
        raise SystemExit(f"{path}: {rate} Hz, the comparison runs at {RATE}")
    return samples[:, 0]


def timed(detect, samples):
    started = time.process_time()
    regions = detect(samples)
    return regions, time.process_time() - started


def on_mixtures(folder: Path, detectors: dict) -> list[str]:
    truth = truth_table(folder / "truth.csv")
    audio = {name: read(folder / name) for name in sorted(truth)}
    lines = []
    for label, detect in detectors.items():
        speech = missed = false_alarm = seconds = cpu = 0.0
        errors = []
        for name, samples in audio.items():
            regions, used = timed(detect, samples)
            length = samples.size / RATE
            true, said = on_grid(truth[name], length), on_grid(regions, length)
            speech += true.sum() * STEP
            missed += (true & ~said).sum() * STEP
            false_alarm += (~true & said).sum() * STEP
            edges = np.array([t for r in regions for t in r]) if regions else np.array([np.inf])
            errors += [float(np.min(np.abs(edges - t))) for turn in truth[name] for t in turn]
            seconds += length
            cpu += used
        lines.append(f"| {folder.name} | {label} | {len(audio)} | {seconds / 60:.1f} | {missed / speech:.1%} | "
                     f"{false_alarm:.1f} ({false_alarm / seconds * 60:.1f}/min) | "
                     f"{np.median(errors):.2f} ({np.percentile(errors, 90):.2f}) | {seconds / max(cpu, 1e-9):.0f}x |")
    return lines


def on_music(folder: Path, detectors: dict, splits=("dev", "heldout")) -> tuple[list[str], dict]:
    with open(folder / "music.csv", newline="") as stream:
        pieces = [row for row in csv.DictReader(stream) if row["split"] in splits]
    audio = {row["file"]: read(folder / row["file"]) for row in pieces}
    per_piece = {}
    lines = []
    for label, detect in detectors.items():
        called = defaultdict(float)
        total = defaultdict(float)
        for row in pieces:
            samples = audio[row["file"]]
            regions = detect(samples)
            said = float(on_grid(regions, samples.size / RATE).sum() * STEP)
            per_piece[(label, row["file"])] = said
            for key in (row["split"], f"{row['split']} with drums" if row["drums"] == "yes" else None):
                if key:
                    called[key] += said
                    total[key] += samples.size / RATE
        lines.append(f"| {label} | " + " | ".join(f"{called[k]:.1f} of {total[k]:.0f}" for k in
                                                   ("dev", "dev with drums", "heldout", "heldout with drums")) + " |")
    return lines, per_piece


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mixtures", type=Path, nargs="*", default=[])
    parser.add_argument("--music", type=Path)
    parser.add_argument("--detectors", nargs="*", default=list(DETECTORS), choices=list(DETECTORS))
    parser.add_argument("--split", choices=("dev", "heldout"), nargs="*", default=["dev", "heldout"],
                        help="with --music: which pieces (choose on dev alone)")
    parser.add_argument("--pieces", action="store_true", help="with --music: seconds called speech, piece by piece")
    parser.add_argument("--segment", action="store_true", help="with --music: also today's whole `vgr segment`")
    args = parser.parse_args(argv)
    detectors = {name: DETECTORS[name]() for name in args.detectors}
    if args.mixtures:
        print("| mixtures | detector | files | audio min | missed | false alarm s | boundary error median (p90) s "
              "| x real time |\n|---|---|---|---|---|---|---|---|")
        for folder in args.mixtures:
            print("\n".join(on_mixtures(folder, detectors)), flush=True)
    if args.music:
        lines, per_piece = on_music(args.music, detectors, args.split)
        print("\nSeconds of music called speech:\n\n| detector | dev | dev with drums | held-out | held-out with drums |"
              "\n|---|---|---|---|---|\n" + "\n".join(lines), flush=True)
        if args.pieces:
            names = sorted({file for _, file in per_piece})
            print("\n| piece | " + " | ".join(detectors) + " |\n|---|" + "---|" * len(detectors))
            for file in names:
                print(f"| {file} | " + " | ".join(f"{per_piece[(d, file)]:.1f}" for d in detectors) + " |")
        if args.segment:
            from vgr.predict import load_model
            from vgr.segment import segment_file, silero

            model = load_model()
            print("\n`vgr segment`'s speech seconds (female + male):\n\n| piece | split | level alone (as before) "
                  "| with silero-vad |\n|---|---|---|---|")
            with open(args.music / "music.csv", newline="") as stream:
                pieces = [row for row in csv.DictReader(stream) if row["split"] in args.split]
            available = silero.available
            for row in pieces:
                cells = []
                for vetoes in (False, True):
                    silero.available = lambda vetoes=vetoes: vetoes and available()
                    result = segment_file(args.music / row["file"], model)
                    cells.append(f"{result.speech_seconds():.1f} ({result.speech_seconds('female'):.1f} + "
                                 f"{result.speech_seconds('male'):.1f})")
                silero.available = available
                print(f"| {row['file']} | {row['split']} | {' | '.join(cells)} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
