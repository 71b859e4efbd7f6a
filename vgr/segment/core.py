"""``segment_file``: one recording in, its male and female speech segments and their shares out."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vgr.errors import AudioError
from vgr.segment.detect import speech_regions
from vgr.segment.stream import Stream, frame_levels, open_stream
from vgr.segment.timeline import (bridge_pauses, bridge_same_voice, label_regions, plan_windows, pool_by_voice,
                                  widen)

LABELS = ("female", "male")
DETECTION_SHARE = 0.2  # of a file's progress: silero-vad's pass costs about a fifth of the work on speech


@dataclass(frozen=True)
class Settings:
    """Chosen on mixtures of trainable speakers only (see ``bench/README.md``, "Segmenting"), never on the
    scored ones.

    A 1.6 s window is exactly one partial utterance of the voice encoder; windows abut (the hop is a whole
    window: half the work of overlapping them by half, for 0.1 points of error on the trainable mixtures).
    Within a stretch of speech the sex changes only when the windows' contrary evidence outweighs
    ``switch_cost`` (log-odds, each window's capped at 4); a contrary run that ends again must outweigh twice
    that, so at cost 1 one window alone flips a turn only if it is surer than log-odds 2 (p 0.88) and its
    neighbours are not. Regions of speech less than ``join`` seconds apart are smoothed as one stretch (the
    words of one speaker lend each other their evidence). Segments of one sex less than ``bridge`` seconds apart
    are joined (a speaker's pauses); so are those up to ``same_voice_bridge`` seconds apart whose voiceprints
    either side of the pause agree (cosine at least ``same_voice``: one speaker's longer pauses, not the gap
    between two speakers of one sex). Every segment is then ``pad`` seconds longer at both ends (a word's quiet
    onset and decay, which the detector's frames leave out). Windows shorter than ``short_window`` (short
    stretches of speech) are judged ``short_voiceprint`` parts by the voiceprint head and the rest by the 20
    features, instead of the model's own blend. With ``voice_pool`` above 0, each window's p(male) then moves that
    part of the way (in log-odds) to the mean of all the file's windows whose voiceprints are at least
    ``voice_pool_cosine`` like its own (one speaker's words anywhere in the file pool their evidence).
    """

    window: float = 1.6
    hop: float = 1.6
    switch_cost: float = 1.0
    bridge: float = 0.5
    join: float = 0.0
    pad: float = 0.0
    same_voice_bridge: float = 3.0
    same_voice: float = 0.7
    short_window: float = 1.6
    short_voiceprint: float = 0.85
    voice_pool: float = 0.5
    voice_pool_cosine: float = 0.8
    batch: int = 64  # windows judged together (their encoder partials are one LSTM batch)

    def __post_init__(self) -> None:
        if not (0.2 <= self.window <= 20 and 0.05 <= self.hop <= self.window):
            raise ValueError(f"need 0.2 <= window <= 20 s and 0.05 <= hop <= window, not {self.window}, {self.hop}")
        if min(self.switch_cost, self.bridge, self.join, self.pad, self.same_voice_bridge) < 0:
            raise ValueError(f"switch cost, bridge, join, pad and same-voice bridge must be >= 0, not "
                             f"{self.switch_cost}, {self.bridge}, {self.join}, {self.pad}, {self.same_voice_bridge}")
        if not 0 <= self.short_voiceprint <= 1 or self.short_window < 0:
            raise ValueError(f"need short window >= 0 s and a short voiceprint weight from 0 to 1, not "
                             f"{self.short_window}, {self.short_voiceprint}")
        if not -1 <= self.same_voice <= 1 or not -1 <= self.voice_pool_cosine <= 1:
            raise ValueError(f"same voice and voice pool cosine are cosines from -1 to 1, not {self.same_voice}, "
                             f"{self.voice_pool_cosine}")
        if not 0 <= self.voice_pool <= 1:
            raise ValueError(f"voice pool is a weight from 0 to 1, not {self.voice_pool}")


@dataclass(frozen=True)
class Segment:
    start: float
    end: float
    label: str
    probability: float

    @property
    def seconds(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class FileSegments:
    """The segments of one file; ``status`` is ``ok`` or ``error: <reason>`` (then there are none)."""

    file: str
    seconds: float
    segments: tuple[Segment, ...] = ()
    status: str = "ok"
    windows: int = 0  # windows judged

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def speech_seconds(self, label: str | None = None) -> float:
        return float(sum(s.seconds for s in self.segments if label is None or s.label == label))

    def share(self, label: str) -> float | None:
        """The fraction of speech time with this label, None when there is no speech."""
        total = self.speech_seconds()
        return None if total == 0 else self.speech_seconds(label) / total

    def summary(self) -> dict[str, object]:
        return {"file": self.file, "seconds": round(self.seconds, 3), "speech_seconds": round(self.speech_seconds(), 3),
                **{f"{label}_seconds": round(self.speech_seconds(label), 3) for label in LABELS},
                **{f"{label}_share": None if self.share(label) is None else round(self.share(label), 4)
                   for label in LABELS},
                "status": self.status}


@dataclass(frozen=True)
class Verdicts:
    """What the smoothing works from: a file's length, its speech regions, the windows over them, each
    window's p(male) (NaN: not judged) and its voiceprint embedding (None for a model without a voiceprint);
    and the two judges that p(male) blends, the features' and the voiceprint head's (NaN where missing)."""

    seconds: float
    regions: list[tuple[float, float]]
    windows: list[tuple[float, float, int]]
    p_male: np.ndarray
    embeddings: np.ndarray | None = None
    p_features: np.ndarray | None = None
    p_voiceprint: np.ndarray | None = None

    def leaning(self, shorter_than: float, voiceprint: float) -> np.ndarray:
        """``p_male`` with the windows shorter than ``shorter_than`` seconds judged ``voiceprint`` parts by the
        voiceprint head and the rest by the features (where both judged them)."""
        if shorter_than <= 0 or self.p_features is None or self.p_voiceprint is None:
            return self.p_male
        lengths = np.array([end - start for start, end, _ in self.windows])
        short = (lengths < shorter_than - 1e-6) & ~np.isnan(self.p_features) & ~np.isnan(self.p_voiceprint)
        p_male = self.p_male.copy()
        p_male[short] = voiceprint * self.p_voiceprint[short] + (1 - voiceprint) * self.p_features[short]
        return p_male


def segment_file(path: str | Path, model=None, settings: Settings | None = None,
                 on_progress: Callable[[float, float], None] | None = None) -> FileSegments:
    """Male and female speech in ``path``. Raises ``AudioError`` (naming the file) if it cannot be read.

    Passes over the file in blocks: one measures the level of every 20 ms, one (with onnxruntime) runs
    silero-vad to tell speech from music, and the last judges the windows over the speech. Memory does not grow
    with the length of the file beyond 8 bytes per 20 ms and a few numbers per window. Silence, noise, steady
    tones or music only give no segments, not an error. ``on_progress(done_seconds, total_seconds)`` is called
    as the work advances: the silero-vad pass is counted as the first ``DETECTION_SHARE`` of the file's time.
    """
    settings = settings or Settings()
    return smoothed(str(path), judge_file(path, model, settings, on_progress), settings)


def judge_file(path: str | Path, model=None, settings: Settings | None = None,
               on_progress: Callable[[float, float], None] | None = None) -> Verdicts:
    """``segment_file``'s work up to the window verdicts, which only the window and hop of ``settings`` shape."""
    from vgr.predict import load_model

    model = model or load_model()
    settings = settings or Settings()
    report = on_progress or (lambda done, total: None)
    with open_stream(path) as stream:
        frames = stream.sound.frames
        levels = frame_levels(stream)
        step = stream.frame / stream.rate
        seconds = frames / stream.rate if frames > 0 else levels.size * step
        regions = speech_regions(levels, step, _reporting(stream, seconds, report), stream.rate)
        windows = plan_windows(regions, settings.window, settings.hop)
        p_male, p_features, p_voiceprint = (np.full(len(windows), np.nan) for _ in range(3))
        embeddings = []
        done = 0
        for batch in _batches(_clips(stream, windows), settings.batch):
            judged = slice(done, done + len(batch))
            p_male[judged], p_features[judged], p_voiceprint[judged], embedded = judge(batch, stream, model)
            if embedded is not None:
                embeddings.append(embedded.astype(np.float32))
            done += len(batch)
            report(DETECTION_SHARE * seconds + (1 - DETECTION_SHARE) * windows[done - 1][1], seconds)
    report(seconds, seconds)
    embedded = np.concatenate(embeddings) if embeddings else None
    return Verdicts(seconds, regions, windows, p_male, embedded, p_features, p_voiceprint)


def smoothed(file: str, verdicts: Verdicts, settings: Settings) -> FileSegments:
    """The segments of one file from its window ``verdicts``, smoothed and joined as ``settings`` say."""
    p_male = verdicts.leaning(settings.short_window, settings.short_voiceprint)
    if verdicts.embeddings is not None and settings.voice_pool > 0:
        p_male = pool_by_voice(p_male, verdicts.windows, verdicts.embeddings, settings.voice_pool_cosine,
                               settings.voice_pool)
    labelled = label_regions(verdicts.regions, verdicts.windows, p_male, settings.switch_cost, settings.join)
    joined = bridge_pauses(labelled, settings.bridge)
    if verdicts.embeddings is not None and settings.same_voice_bridge > 0:
        joined = bridge_same_voice(joined, verdicts.windows, verdicts.embeddings, settings.same_voice_bridge,
                                   settings.same_voice)
    segments = tuple(Segment(round(a, 3), round(b, 3), label, round(p, 4))
                     for a, b, label, p in widen(joined, settings.pad, verdicts.seconds))
    return FileSegments(file, verdicts.seconds, segments, windows=len(verdicts.windows))


def _reporting(stream: Stream, seconds: float, report: Callable[[float, float], None]) -> Iterator[np.ndarray]:
    """The file's blocks as floats in [-1, 1], telling ``report`` how far the speech detection has read."""
    read = 0
    for block in stream.blocks():
        read += block.size
        yield stream.unit(block)
        report(DETECTION_SHARE * min(seconds, read / stream.rate), seconds)


def _clips(stream: Stream, windows) -> Iterator[np.ndarray]:
    """The raw samples of each window, in order, from one pass of blocks; only the current stretch is held."""
    blocks = stream.blocks()
    held = np.empty(0)
    read = 0  # samples taken from the blocks; ``held`` ends there
    for start, end, _ in windows:
        a, b = int(round(start * stream.rate)), int(round(end * stream.rate))
        while read < b:
            block = next(blocks, None)
            if block is None:
                break
            held = np.concatenate([held, block])
            read += block.size
            held = held[max(0, a - (read - held.size)):]  # what lies before this window is never needed again
        held_start = read - held.size
        if a > held_start:
            held, held_start = held[a - held_start:], a
        yield held[max(0, a - held_start) : max(0, b - held_start)].copy()


def _batches(items: Iterator, size: int) -> Iterator[list]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def judge(clips: list[np.ndarray], stream: Stream, model) -> tuple[np.ndarray, ...]:
    """p(male) of each clip: the 20 features and the voiceprint blended as ``Ensemble.predict`` does; and, each
    NaN where it could not be had, the features' p(male), the voiceprint head's p(male), and the embeddings
    (None for a model without a voiceprint).

    A clip whose features cannot be computed (no pitch found, too short) is judged by the voiceprint head
    alone, or left undecided (NaN) by a model without one.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):  # small matrices: BLAS threads only wait on each other
        return _judge(clips, stream, model)


def _judge(clips: list[np.ndarray], stream: Stream, model) -> tuple[np.ndarray, ...]:
    from vgr.features.extract import compute_features
    from vgr.predict import uses_voiceprint

    features = []
    for clip in clips:
        try:
            features.append(compute_features(clip, stream.rate))
        except AudioError:
            features.append(None)
    p_features = np.full(len(clips), np.nan)
    measured = [i for i, row in enumerate(features) if row is not None]
    if measured:
        p_features[measured] = [p.p_male for p in model.predict([features[i] for i in measured])]
    if not uses_voiceprint(model):
        return p_features, p_features, np.full(len(clips), np.nan), None
    from vgr.voiceprint.encoder import embed_many

    embeddings = embed_many([stream.unit(clip) for clip in clips], stream.rate)
    p_voiceprint = model.voiceprint.p_male(embeddings)
    p_male = p_voiceprint.copy()
    p_male[measured] = model.voiceprint.blended(embeddings[measured], p_features[measured])
    return p_male, p_features, p_voiceprint, embeddings
