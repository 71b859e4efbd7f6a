"""Music with no speech in it, rendered from MIDI with registry packages only: for what a detector calls speech.

    python bench/make_music.py OUT_DIR [--seconds 45] [--seed 0]
    python bench/make_music.py OUT_DIR --under MIXTURES_DIR [--bed-db -12]

Needs Debian's ``fluidsynth`` and ``fluid-soundfont-gm`` (``apt-get install -y fluidsynth fluid-soundfont-gm``)
and PyPI's ``mido`` and ``music21`` (bench only, not dependencies of vgr).

Sixteen pieces, about ``--seconds`` each, at 16 kHz over the same -70 dBFS hiss as ``make_mixtures.py``, at a
level drawn between -26 and -16 dBFS RMS. Half are scores from music21's corpus (Bach, Mozart, Beethoven,
Haydn, Joplin, Schubert, Corelli, folk tunes) given General MIDI instruments; half are written here as patterns:
pop, dance, rock, jazz and a march with a drum track, a drum kit alone, arpeggios. ``OUT_DIR/music.csv`` lists
``file,split,seconds,drums,steady_beat,instruments,source``. ``split`` is ``dev`` (settings may be chosen on
them) or ``heldout`` (other instruments and styles: for reporting only, never looked at while choosing).

``--under`` writes, instead, each mixture of ``MIXTURES_DIR`` with music under it all along (a piece of the
split named by ``--split``, looped, ``--bed-db`` dB under the speech's RMS), and copies its ``truth.csv``.

Licences: FluidR3_GM (the Debian sound font) is MIT; music21 is BSD-3 and its corpus scores are public-domain
works; the patterns are this project's.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

RATE = 16000
SOUNDFONT = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")
TICKS = 480  # per beat

# GM programs (0-based)
PIANO, HARPSICHORD, VIBES, MARIMBA, ORGAN, NYLON, JAZZ_GUITAR, DIST_GUITAR = 0, 6, 11, 12, 19, 24, 26, 30
ACOUSTIC_BASS, FINGER_BASS, SYNTH_BASS = 32, 33, 38
VIOLIN, VIOLA, CELLO, CONTRABASS, HARP, STRINGS = 40, 41, 42, 43, 46, 48
TRUMPET, TROMBONE, TUBA, HORN, BRASS = 56, 57, 58, 60, 61
TENOR_SAX, OBOE, BASSOON, CLARINET, FLUTE = 66, 68, 70, 71, 73
SAW_LEAD, PAD = 81, 89

# name, split, source, programs per part (cycled), tempo factor
SCORES = [
    ("chorale_organ", "dev", "bach/bwv66.6", [ORGAN], 1.0),
    ("chorale_strings", "dev", "bach/bwv269", [VIOLIN, VIOLA, CELLO, CONTRABASS], 1.0),
    ("mozart_quartet", "dev", "mozart/k80/movement1", [VIOLIN, VIOLIN, VIOLA, CELLO], 1.0),
    ("joplin_piano", "dev", "joplin/maple_leaf_rag", [PIANO], 1.0),
    ("folk_flute", "dev", "essenFolksong/altdeu10", [FLUTE], 1.0),
    ("beethoven_winds", "heldout", "beethoven/opus18no1/movement1", [CLARINET, OBOE, BASSOON, HORN], 1.0),
    ("haydn_harpsichord", "heldout", "haydn/opus74no1/movement1", [HARPSICHORD], 1.0),
    ("corelli_brass", "heldout", "corelli/opus3no1/1grave", [TRUMPET, HORN, TROMBONE, TUBA], 1.0),
    ("schubert_marimba", "heldout", "schubert/Lindenbaum", [MARIMBA, HARP], 1.0),
]
PATTERNS = [  # name, split, style, tempo (bpm)
    ("pop_beat", "dev", "pop", 100),
    ("dance_beat", "dev", "dance", 124),
    ("drums_only", "dev", "drums", 110),
    ("rock_beat", "heldout", "rock", 132),
    ("jazz_swing", "heldout", "jazz", 150),
    ("march", "heldout", "march", 112),
    ("harp_arpeggios", "heldout", "arpeggios", 84),
]
KICK, SNARE, CLOSED_HAT, OPEN_HAT, RIDE, CRASH, CLAP, SIDE_STICK = 36, 38, 42, 46, 51, 49, 39, 37


def events_to_midi(notes, programs: dict[int, int], bpm: float, path: Path) -> None:
    """``notes``: (start beat, length in beats, pitch, velocity, channel); channel 9 is the drum kit."""
    import mido

    midi = mido.MidiFile(ticks_per_beat=TICKS)
    track = mido.MidiTrack()
    midi.tracks.append(track)
    track.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(bpm)))
    for channel, program in programs.items():
        track.append(mido.Message("program_change", channel=channel, program=program, time=0))
    timed = []
    for start, length, pitch, velocity, channel in notes:
        timed.append((int(start * TICKS), 1, mido.Message("note_on", channel=channel, note=pitch, velocity=velocity)))
        timed.append((int((start + length) * TICKS), 0, mido.Message("note_off", channel=channel, note=pitch)))
    now = 0
    for tick, _, message in sorted(timed, key=lambda item: (item[0], item[1])):
        track.append(message.copy(time=tick - now))
        now = tick
    midi.save(path)


def chords(progression, bars: int, beats: int = 4):
    """Root pitches, one per bar, cycling through ``progression``."""
    return [progression[bar % len(progression)] for bar in range(bars)]


def pattern(style: str, bpm: float, seconds: float, rng: np.random.Generator):
    """(notes, programs) of a generated piece about ``seconds`` long."""
    bars = int(np.ceil(seconds * bpm / 60 / 4)) + 1
    notes = []
    triad = lambda root, minor=False: [root, root + (3 if minor else 4), root + 7]  # noqa: E731
    scale = [0, 2, 4, 5, 7, 9, 11, 12]
    if style in ("pop", "rock", "dance", "drums", "march"):
        for bar in range(bars):
            at = bar * 4
            if style == "dance":
                for beat in range(4):
                    notes += [(at + beat, 0.25, KICK, 110, 9), (at + beat + 0.5, 0.25, OPEN_HAT, 70, 9)]
                notes += [(at + 1, 0.25, CLAP, 90, 9), (at + 3, 0.25, CLAP, 90, 9)]
            elif style == "march":
                for sixteenth in range(16):
                    if sixteenth % 2 == 0 or rng.random() < 0.3:
                        notes.append((at + sixteenth / 4, 0.2, SNARE, 100 if sixteenth % 4 == 0 else 65, 9))
                notes += [(at, 0.5, KICK, 110, 9), (at + 2, 0.5, KICK, 100, 9)]
            else:
                for eighth in range(8):
                    notes.append((at + eighth / 2, 0.25, CLOSED_HAT, 80 if eighth % 2 == 0 else 60, 9))
                notes += [(at, 0.5, KICK, 115, 9), (at + 2.5, 0.5, KICK, 100, 9), (at + 1, 0.5, SNARE, 105, 9),
                          (at + 3, 0.5, SNARE, 105, 9)]
                if bar % 4 == 0:
                    notes.append((at, 1, CRASH, 90, 9))
    programs = {}
    if style == "pop":
        programs = {0: PIANO, 1: FINGER_BASS, 2: STRINGS}
        for bar, root in enumerate(chords([60, 55, 57, 53], bars)):
            for beat in range(4):
                notes += [(bar * 4 + beat, 0.9, p, 70, 0) for p in triad(root, minor=root == 57)]
            notes += [(bar * 4 + b, 0.9, root - 24, 90, 1) for b in (0, 1.5, 2, 3)]
            notes += [(bar * 4, 4, p + 12, 45, 2) for p in triad(root, minor=root == 57)]
    elif style == "dance":
        programs = {0: SAW_LEAD, 1: SYNTH_BASS, 2: PAD}
        for bar, root in enumerate(chords([57, 53, 48, 55], bars)):
            notes += [(bar * 4 + e / 2 + 0.5, 0.4, root - 24, 100, 1) for e in range(0, 8, 2)]
            notes += [(bar * 4, 4, p, 55, 2) for p in triad(root, minor=root == 57)]
            for e in range(8):
                notes.append((bar * 4 + e / 2, 0.45, root + 12 + [0, 3, 7, 12][e % 4], 80, 0))
    elif style == "rock":
        programs = {0: DIST_GUITAR, 1: FINGER_BASS}
        for bar, root in enumerate(chords([52, 55, 57, 50], bars)):
            for e in range(8):
                notes += [(bar * 4 + e / 2, 0.45, p, 95, 0) for p in (root, root + 7, root + 12)]
                notes.append((bar * 4 + e / 2, 0.45, root - 12, 95, 1))
    elif style == "jazz":
        programs = {0: VIBES, 1: ACOUSTIC_BASS, 2: TENOR_SAX}
        for bar, root in enumerate(chords([50, 55, 48, 57], bars)):
            at = bar * 4
            notes += [(at + b, 0.9, root - 12 + [0, 4, 7, 9][b] + rng.integers(-1, 2), 90, 1) for b in range(4)]
            notes += [(at + b + s, 0.3, RIDE, 75 if s == 0 else 55, 9) for b in range(4) for s in (0, 2 / 3)]
            notes += [(at + 1, 0.9, p, 60, 0) for p in (root + 4, root + 10, root + 14)]
            notes += [(at + 2.67, 0.9, p, 55, 0) for p in (root + 4, root + 10, root + 14)]
            t = 0.0
            while t < 4:
                length = float(rng.choice([0.67, 0.33, 1.0, 1.33]))
                if rng.random() < 0.8:
                    notes.append((at + t, length * 0.9, root + 12 + int(rng.choice(scale)), 85, 2))
                t += length
    elif style == "march":
        programs = {0: TRUMPET, 1: TUBA, 2: TROMBONE}
        for bar, root in enumerate(chords([58, 65, 58, 53], bars)):
            at = bar * 4
            notes += [(at + b, 0.8, root - 24 + (0 if b % 2 == 0 else 7), 95, 1) for b in range(4)]
            notes += [(at + b + 0.5, 0.4, p, 70, 2) for b in range(4) for p in triad(root - 12)]
            for b in range(4):
                notes.append((at + b, 0.9, root + int(rng.choice(scale[:5])), 95, 0))
    elif style == "arpeggios":
        programs = {0: HARP, 1: CELLO}
        for bar, root in enumerate(chords([48, 45, 41, 43], bars)):
            shape = triad(root, minor=root == 45) + [root + 12, root + 16, root + 19]
            notes += [(bar * 4 + s / 4, 0.6, shape[[0, 1, 2, 3, 4, 5, 4, 3][s % 8]] + 12, 75, 0) for s in range(16)]
            notes.append((bar * 4, 4, root - 12, 70, 1))
    return notes, programs


def score_midi(source: str, programs: list[int], tempo: float, path: Path) -> None:
    """A music21 corpus score as MIDI, its parts on the given GM programs (cycled)."""
    import mido
    from music21 import corpus, stream

    score = corpus.parse(source)
    if isinstance(score, stream.Opus):  # a book of tunes: its first
        score = score.scores[0]
    raw = Path(str(path) + ".raw.mid")
    score.write("midi", fp=str(raw))
    midi = mido.MidiFile(raw)
    channel_program = {}
    for track in midi.tracks:
        for message in track:
            if message.type == "set_tempo":
                message.tempo = int(message.tempo / tempo)
            if hasattr(message, "channel") and message.channel != 9:
                channel_program.setdefault(message.channel, programs[len(channel_program) % len(programs)])
            if message.type == "program_change" and message.channel != 9:
                message.program = channel_program[message.channel]
    first = midi.tracks[0]
    for channel, program in channel_program.items():
        first.insert(0, mido.Message("program_change", channel=channel, program=program, time=0))
    midi.save(path)
    raw.unlink()


def cut(path: Path, seconds: float) -> None:
    """Rewrite ``path`` as one track at a fixed tempo, ending after ``seconds`` with every note released."""
    import mido

    ticks_per_second = 2 * TICKS  # 120 bpm
    cut_midi = mido.MidiFile(ticks_per_beat=TICKS)
    track = mido.MidiTrack()
    cut_midi.tracks.append(track)
    at, last = 0.0, 0
    for message in mido.MidiFile(path):
        at += message.time
        if at > seconds:
            break
        if message.is_meta:
            continue
        tick = int(round(at * ticks_per_second))
        track.append(message.copy(time=tick - last))
        last = tick
    tick = int(round(min(at, seconds) * ticks_per_second))
    for channel in range(16):
        track.append(mido.Message("control_change", channel=channel, control=123, value=0, time=tick - last))
        last = tick
    cut_midi.save(path)


def render(midi: Path, seconds: float, rng: np.random.Generator) -> np.ndarray:
    """``midi`` through fluidsynth at 16 kHz, ``seconds`` long (from its first sound), at -26 to -16 dBFS RMS."""
    import soundfile

    wav = midi.with_suffix(".wav")
    cut(midi, seconds + 1)
    subprocess.run(["timeout", "120", "fluidsynth", "-ni", "-q", "-g", "0.6", "-r", str(RATE), "-F", str(wav), str(SOUNDFONT),
                    str(midi)], check=True, capture_output=True)
    samples, rate = soundfile.read(wav, dtype="float64", always_2d=True)
    assert rate == RATE, rate
    samples = samples.mean(axis=1)
    loud = np.flatnonzero(np.abs(samples) > 1e-3)
    samples = samples[loud[0] :] if loud.size else samples
    samples = np.tile(samples, int(np.ceil(seconds * RATE / max(1, samples.size))))[: int(seconds * RATE)]
    fade = np.minimum(1.0, np.arange(samples.size)[::-1] / (0.5 * RATE))
    samples = samples * fade
    rms = np.sqrt(np.mean(np.square(samples)))
    return samples * 10 ** (rng.uniform(-26, -16) / 20) / rms


def pieces(out: Path, seconds: float, seed: int) -> None:
    import soundfile

    rng = np.random.default_rng(seed)
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for name, split, source, programs, tempo in SCORES:
            midi = Path(scratch) / f"{name}.mid"
            score_midi(source, programs, tempo, midi)
            samples = render(midi, seconds, rng)
            rows.append((name, split, samples, "no", "no", "+".join(map(str, programs)), f"music21 corpus {source}"))
        for name, split, style, bpm in PATTERNS:
            notes, programs = pattern(style, bpm, seconds, rng)
            midi = Path(scratch) / f"{name}.mid"
            events_to_midi(notes, programs, bpm, midi)
            samples = render(midi, seconds, rng)
            drums = any(n[4] == 9 for n in notes)
            rows.append((name, split, samples, "yes" if drums else "no", "yes",
                         "+".join(map(str, programs.values())) or "drums", f"pattern {style} {bpm} bpm"))
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "music.csv", "w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["file", "split", "seconds", "drums", "steady_beat", "instruments", "source"])
        for name, split, samples, drums, steady, instruments, source in rows:
            samples = samples + rng.normal(0, 10 ** (-70 / 20), samples.size)
            soundfile.write(out / f"{name}.wav", np.clip(samples, -1, 1), RATE, subtype="PCM_16")
            writer.writerow([f"{name}.wav", split, f"{samples.size / RATE:.2f}", drums, steady, instruments, source])
    print(f"{len(rows)} pieces -> {out}", file=sys.stderr)


def under(out: Path, mixtures: Path, music: Path, split: str, bed_db: float, seed: int) -> None:
    """Each mixture with a piece of music (``split``) looped under it, ``bed_db`` dB from the speech's RMS."""
    import soundfile

    rng = np.random.default_rng(seed)
    with open(music / "music.csv", newline="") as stream:
        beds = [row["file"] for row in csv.DictReader(stream) if row["split"] == split]
    out.mkdir(parents=True, exist_ok=True)
    shutil.copy(mixtures / "truth.csv", out / "truth.csv")
    for k, path in enumerate(sorted(mixtures.glob("*.wav"))):
        speech, rate = soundfile.read(path, dtype="float64")
        bed, _ = soundfile.read(music / beds[k % len(beds)], dtype="float64")
        bed = np.tile(bed, int(np.ceil(speech.size / bed.size)))[: speech.size]
        loud = speech[np.abs(speech) > 1e-3]
        target = np.sqrt(np.mean(np.square(loud))) * 10 ** (bed_db / 20)
        bed *= target / np.sqrt(np.mean(np.square(bed)))
        soundfile.write(out / path.name, np.clip(speech + bed, -1, 1), rate, subtype="PCM_16")
    print(f"{k + 1} mixtures with {split} music {bed_db:+.0f} dB under -> {out}", file=sys.stderr)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--seconds", type=float, default=45.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--under", type=Path, help="a folder of mixtures to put music under")
    parser.add_argument("--music", type=Path, help="with --under: the folder this script wrote (default: OUT/../music)")
    parser.add_argument("--split", choices=("dev", "heldout"), default="dev")
    parser.add_argument("--bed-db", type=float, default=-12.0)
    args = parser.parse_args(argv)
    if not SOUNDFONT.exists():
        parser.error(f"{SOUNDFONT} is missing: apt-get install -y fluidsynth fluid-soundfont-gm")
    if args.under:
        under(args.out, args.under, args.music or args.out.parent / "music", args.split, args.bed_db, args.seed)
    else:
        pieces(args.out, args.seconds, args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
