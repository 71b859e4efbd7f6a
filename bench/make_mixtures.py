"""Long recordings with known answers: turns of evaluation-only speakers joined with silences, tones and noise.

    python bench/make_mixtures.py OUT_DIR [--per-corpus 4] [--seconds 60] [--seed 0]

Only rows of ``../shared/audio/speakers/labels.csv`` with ``trainable = no`` (lotus, emodb, audiomnist_az) are
used: speakers the bundled model never trained on. Nothing is tuned on these mixtures; they are for scoring.
``--trainable`` builds mixtures of the other rows (speechocean762) instead, on which settings may be compared.

Each mixture alternates turns of randomly drawn speakers (either sex); a turn is one to three utterances of one
speaker, each trimmed of its leading and trailing silence, joined by 0.2 s pauses. Between turns: 0.6-1.5 s of
silence, or (one gap in three) a steady tone or a hiss of 1-2 s flanked by 0.4 s of silence. Everything is at
16 kHz over a faint hiss (-70 dBFS), so no stretch is digital zero. ``--abutting 0.5`` lets half the turns
follow the one before without any gap: changes of speaker that only the voices tell. ``--words`` cuts each
utterance to one short word-like stretch, and ``--quieter 30`` plays each 0-30 dB down (default 0-6): quiet,
isolated words, for the speech detector. ``--above-floor 3`` also trims each utterance's edges to the frames 3 dB
above its own background: audiomnist_az's digits lie over noise 8 dB under their peak (see
``bench/experiments/material_floors.py``), so trimmed 35 dB under the peak their turns are mostly that noise.
``OUT_DIR/truth.csv`` holds
``file,start,end,label,speaker``, one row per turn: the true segments, by construction.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
AUDIO = ROOT.parent / "shared" / "audio"
SHARED = AUDIO / "speakers"
RATE = 16000


def load(path: Path) -> np.ndarray:
    import soundfile
    import soxr

    samples, rate = soundfile.read(path, dtype="float64", always_2d=True)
    samples = samples[:, 0]
    if rate != RATE:
        samples = soxr.resample(samples, rate, RATE)
    return samples


WORD_FRAME = RATE // 50  # 20 ms, the frame of vgr.segment.activity


def levels(samples: np.ndarray, frame: int) -> np.ndarray:
    """dBFS of each whole ``frame``-sample frame of ``samples``."""
    count = samples.size // frame
    return 10 * np.log10(np.mean(np.square(samples[: count * frame].reshape(count, frame)), axis=1) + 1e-12)


def trim(samples: np.ndarray, below_peak_db: float = 35.0, above_floor_db: float | None = None) -> np.ndarray:
    """The utterance without its leading and trailing frames more than ``below_peak_db`` under its loudest; with
    ``above_floor_db``, also without those less than that far above its own background (the level of its quietest
    tenth): for recordings whose noise is within 35 dB of the speech."""
    frame = RATE // 100
    level = levels(samples, frame)
    if level.size == 0:
        return samples
    threshold = level.max() - below_peak_db
    if above_floor_db is not None and level.max() > np.percentile(level, 10) + above_floor_db:
        threshold = max(threshold, np.percentile(level, 10) + above_floor_db)
    keep = np.flatnonzero(level > threshold)
    return samples[keep[0] * frame : (keep[-1] + 1) * frame]


def word_runs(level: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) ``WORD_FRAME`` frames of the 0.3-1 s runs that ``vgr.segment.activity`` finds between pauses
    in these 20 ms ``levels``: short words."""
    from vgr.segment import activity

    return [(a, b) for a, b in activity.runs(activity.speech_frames(level, 0.02)) if 15 <= b - a <= 50]


def around_loud(rng: np.random.Generator, samples: np.ndarray, shortest: float, longest: float) -> np.ndarray:
    """``shortest``-``longest`` s of ``samples`` centred on one of its 20 loudest 20 ms frames, faded in and out
    over 10 ms: a syllable or short word cut without asking any detector where the words are."""
    frame = WORD_FRAME
    level = levels(samples, frame)
    length = int(rng.uniform(shortest, longest) * RATE)
    centre = int(rng.choice(np.argsort(level)[-20:])) * frame + frame // 2
    start = int(np.clip(centre - length // 2, 0, max(0, samples.size - length)))
    word = samples[start : start + length].copy()
    fade = np.minimum(1.0, np.minimum(np.arange(word.size), np.arange(word.size)[::-1]) / (0.01 * RATE))
    return word * fade


def a_word(rng: np.random.Generator, samples: np.ndarray) -> np.ndarray:
    """A short isolated word from ``samples``: one of its ``word_runs``, or else (most utterances are one run)
    0.4-1 s around the loudest 20 ms, faded in and out over 20 ms."""
    frame = WORD_FRAME
    level = levels(samples, frame)
    runs = word_runs(level)
    if runs:
        a, b = runs[rng.integers(len(runs))]
        return samples[a * frame : b * frame]
    length = int(rng.uniform(0.4, 1.0) * RATE)
    start = int(np.clip(int(np.argmax(level)) * frame + frame // 2 - length // 2, 0, max(0, samples.size - length)))
    word = samples[start : start + length].copy()
    fade = np.minimum(1.0, np.minimum(np.arange(word.size), np.arange(word.size)[::-1]) / (0.02 * RATE))
    return word * fade


def gap(rng: np.random.Generator, kind: str, seconds: float) -> np.ndarray:
    n = int(seconds * RATE)
    t = np.arange(n) / RATE
    if kind == "tone":  # a steady note with harmonics, at speech level, 20 ms fades
        f0 = rng.uniform(150, 600)
        sound = sum(np.sin(2 * np.pi * k * f0 * t) / k for k in (1, 2, 3)) * 0.05
        fade = np.minimum(1.0, np.minimum(t, t[::-1]) / 0.02)
        return sound * fade
    if kind == "noise":
        return rng.normal(0, 0.01, n)
    return np.zeros(n)


def utterances(trainable: bool = False) -> dict[str, dict[str, list[Path]]]:
    """corpus -> speaker -> files of the evaluation-only rows (or, ``trainable``, of the others); and labels."""
    by_corpus: dict[str, dict[str, list[Path]]] = {}
    labels = {}
    with open(SHARED / "labels.csv", newline="") as stream:
        for row in csv.DictReader(stream):
            if (row["trainable"].strip().lower() != "no") != trainable:
                continue
            by_corpus.setdefault(row["corpus"], {}).setdefault(row["speaker"], []).append(SHARED / row["file"])
            labels[row["speaker"]] = row["label"]
    return by_corpus, labels


def dev_utterances() -> tuple[dict[str, dict[str, list[Path]]], dict[str, str]]:
    """As ``utterances``, for the development speakers outside ``speakers/``: CMU ARCTIC and VCC2016 (``real/``)
    as one corpus, LibriSpeech (``real/librispeech_flac`` and ``librispeech-test-other``) as another. SiSEC, in
    ``real/`` too, is evaluation-only and left out."""
    by_corpus: dict[str, dict[str, list[Path]]] = {}
    labels = {}
    for folder in ("real", "librispeech-test-other"):
        with open(AUDIO / folder / "labels.csv", newline="") as stream:
            for row in csv.DictReader(stream):
                speaker = row["speaker"]
                if speaker.startswith("SiSEC"):
                    continue
                corpus = "librispeech" if folder != "real" or speaker.startswith("LibriSpeech") else "arctic_vcc"
                by_corpus.setdefault(corpus, {}).setdefault(speaker, []).append(AUDIO / folder / row["file"])
                labels[speaker] = row["label"]
    return by_corpus, labels


def mixture(rng, speakers: dict[str, list[Path]], labels: dict[str, str], seconds: float, abutting: float = 0.0,
            words: bool = False, quieter: float = 6.0, short: bool = False, above_floor: float | None = None):
    """(samples, [(start, end, label, speaker)]) of one mixture about ``seconds`` long; a share ``abutting``
    of the turns follow the one before without any pause (a change of speaker the level cannot show). With
    ``words``, each utterance is cut to one word-like stretch; each is played 0 to ``quieter`` dB down."""
    names = sorted(speakers)
    parts, truth, at = [], [], 0.0

    def add(chunk):
        nonlocal at
        parts.append(chunk)
        at += chunk.size / RATE

    add(gap(rng, "silence", 0.8))
    previous = None
    while at < seconds:
        speaker = names[rng.integers(len(names))]
        if speaker == previous:
            continue
        previous = speaker
        files = speakers[speaker]
        start = at
        for k, index in enumerate(rng.choice(len(files), size=min(len(files), int(rng.integers(1, 4))), replace=False)):
            if k:
                add(gap(rng, "silence", 0.2))
            utterance = trim(load(files[index]), above_floor_db=above_floor)
            if words:
                utterance = a_word(rng, utterance)
            elif short:
                utterance = around_loud(rng, utterance, 0.15, 0.6)
            add(utterance * 10 ** (rng.uniform(-quieter, 0) / 20))
        truth.append((round(start, 3), round(at, 3), labels[speaker], speaker))
        if abutting and rng.random() < abutting:  # drawn only then, so that the default mixtures stay as they were
            continue
        kind = rng.choice(["silence", "silence", "tone", "noise"])
        if kind == "silence":
            add(gap(rng, "silence", rng.uniform(0.6, 1.5)))
        else:
            add(gap(rng, "silence", 0.4))
            add(gap(rng, kind, rng.uniform(1.0, 2.0)))
            add(gap(rng, "silence", 0.4))
    samples = np.concatenate(parts)
    samples += rng.normal(0, 10 ** (-70 / 20), samples.size)
    return samples, truth


def main(argv=None) -> int:
    import soundfile

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--per-corpus", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--trainable", action="store_true",
                        help="mixtures of trainable speakers (speechocean762) instead: for choosing settings, not scoring")
    parser.add_argument("--dev", action="store_true",
                        help="mixtures of the development speakers outside speakers/ (CMU ARCTIC, VCC2016, "
                             "LibriSpeech; never SiSEC) instead: for choosing, not scoring")
    parser.add_argument("--abutting", type=float, default=0.0,
                        help="share of the turns that follow the one before without a pause [0]")
    parser.add_argument("--words", action="store_true",
                        help="cut each utterance to one word-like stretch of 0.3-1 s: short isolated words")
    parser.add_argument("--short", action="store_true",
                        help="cut each utterance to 0.15-0.6 s around a loud frame: syllables and short words that "
                             "no detector picked")
    parser.add_argument("--above-floor", type=float,
                        help="also trim each utterance's edges to frames this many dB above its own background "
                             "(its quietest tenth), for corpora recorded over loud noise [off]")
    parser.add_argument("--quieter", type=float, default=6.0,
                        help="each utterance is played down by 0 to this many dB [6]")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    by_corpus, labels = dev_utterances() if args.dev else utterances(args.trainable)
    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    for corpus in sorted(by_corpus):
        for k in range(args.per_corpus):
            samples, truth = mixture(rng, by_corpus[corpus], labels, args.seconds, args.abutting, args.words,
                                     args.quieter, args.short, args.above_floor)
            name = f"{corpus}_{k:02d}.wav"
            soundfile.write(args.out / name, np.clip(samples, -1, 1), RATE, subtype="PCM_16")
            rows += [(name, *row) for row in truth]
    with open(args.out / "truth.csv", "w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["file", "start", "end", "label", "speaker"])
        writer.writerows(rows)
    print(f"{args.per_corpus * len(by_corpus)} mixtures, {len(rows)} turns -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
