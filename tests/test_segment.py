"""`vgr segment`: speech found by level, judged in windows, merged into male and female segments."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile
from typer.testing import CliRunner

from tests.conftest import SHARED, harmonic_tone
from vgr.cli import app
from vgr.segment import Settings, segment_file
from vgr.segment import activity, stream as streaming
from vgr.segment.core import Verdicts, _clips
from vgr.segment.timeline import (bridge_pauses, bridge_same_voice, label_regions, log_odds, plan_windows,
                                  pool_by_voice, two_state_path, widen)

runner = CliRunner()
RATE = 16000
EMODB = SHARED / "audio" / "speakers" / "emodb"


def stderr_lines(result) -> list[str]:
    return result.stderr.splitlines() if isinstance(result.stderr, str) else result.stderr.decode().splitlines()


def hiss(seconds: float, level: float = 3e-4, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(0, level, int(seconds * RATE))


def trimmed(path) -> np.ndarray:
    """An emodb utterance at 16 kHz without the frames more than 35 dB under its loudest."""
    import soxr

    samples, rate = soundfile.read(path, dtype="float64")
    samples = soxr.resample(samples, rate, RATE)
    frame = RATE // 100
    level = 10 * np.log10(np.mean(np.square(samples[: samples.size // frame * frame].reshape(-1, frame)), axis=1) + 1e-12)
    keep = np.flatnonzero(level > level.max() - 35)
    return samples[keep[0] * frame : (keep[-1] + 1) * frame]


@pytest.fixture(scope="module")
def mixture(tmp_path_factory):
    """Evaluation-only speakers (emodb 08 female, 03 male) with a silence and a steady tone between them.

    Returns the path and the true turns (start, end, label).
    """
    turns, parts, at = [], [], 0.0

    def add(chunk):
        nonlocal at
        parts.append(chunk)
        at += chunk.size / RATE

    add(np.zeros(RATE))
    for speaker, label, files in (("08", "female", ("08a01Ab", "08a01Fd", "08a01Lc")), ("03", "male", ("03a01Fa", "03a01Nc", "03a01Wa"))):
        start = at
        for k, name in enumerate(files):
            if k:
                add(np.zeros(int(0.2 * RATE)))
            add(trimmed(EMODB / speaker / f"{name}.flac"))
        turns.append((start, at, label))
        add(np.zeros(int(0.5 * RATE)))
        add(0.1 * harmonic_tone(300, RATE, 1.5))  # a steady tone is not speech
        add(np.zeros(int(0.8 * RATE)))
    samples = np.concatenate(parts)
    samples += hiss(samples.size / RATE)
    path = tmp_path_factory.mktemp("segment") / "mixture.wav"
    soundfile.write(path, samples, RATE, subtype="PCM_16")
    return path, turns


def test_a_mixture_gets_its_speakers_sexes_and_boundaries(mixture):
    path, turns = mixture
    result = segment_file(path)
    assert result.ok and abs(result.seconds - soundfile.info(path).duration) < 1e-6
    for start, end, label in turns:
        inside = [s for s in result.segments if s.end > start and s.start < end]
        right = sum(min(s.end, end) - max(s.start, start) for s in inside if s.label == label)
        assert right >= 0.9 * (end - start), (label, inside)
        assert min(abs(s.start - start) for s in inside) <= 0.3
        assert min(abs(s.end - end) for s in inside) <= 0.3
    true_speech = sum(end - start for start, end, _ in turns)
    assert result.speech_seconds() <= true_speech + 0.5  # the tones are not counted
    assert result.share("female") + result.share("male") == pytest.approx(1.0)


@pytest.mark.parametrize("name, signal", [
    ("silence", np.zeros(5 * RATE)),
    ("hiss", hiss(5, 0.01)),
    ("tone", 0.3 * harmonic_tone(220, RATE, 5)),
])
def test_silence_noise_or_a_steady_tone_is_no_speech(tmp_path, name, signal):
    path = tmp_path / f"{name}.wav"
    soundfile.write(path, signal, RATE)
    result = segment_file(path)
    assert result.ok and result.segments == () and result.speech_seconds() == 0 and result.share("male") is None


def test_speech_regions_of_bursts_are_where_they_were_put():
    step = 0.02
    levels = np.full(500, -70.0)  # 10 s of quiet
    rng = np.random.default_rng(1)
    levels[100:200] = -25 + 8 * rng.standard_normal(100)  # 2-4 s: a loud, fluctuating stretch
    levels[300:310] = -25  # 0.2 s: too short
    regions = activity.speech_regions(levels, step)
    assert len(regions) == 1
    assert regions[0][0] == pytest.approx(2.0, abs=0.1) and regions[0][1] == pytest.approx(4.0, abs=0.1)
    assert activity.speech_regions(np.empty(0), step) == []


def test_windows_cover_each_region_and_end_flush():
    windows = plan_windows([(0.0, 1.0), (2.0, 6.0)], 1.6, 0.8)
    assert windows[0] == (0.0, 1.0, 0)
    second = [w for w in windows if w[2] == 1]
    assert second[0][0] == 2.0 and second[-1][1] == pytest.approx(6.0)
    assert all(b - a == pytest.approx(1.6) for a, b, _ in second)


def test_one_stray_window_cannot_flip_a_turn_but_a_run_of_them_does():
    confident = 4.0  # log-odds of one sure window, the cap
    assert two_state_path(np.array([confident, confident, -confident, confident, confident]), 4.0).tolist() == [1] * 5
    changed = np.array([confident, confident, -confident, -confident, -confident, -confident])
    assert two_state_path(changed, 4.0).tolist() == [1, 1, 0, 0, 0, 0]
    assert two_state_path(np.array([confident, -confident, confident]), 0.0).tolist() == [1, 0, 1]  # no cost: no smoothing
    cost = Settings().switch_cost
    unsure = 2 * cost - 0.1  # one window must outweigh twice the cost: going out, and back again
    assert two_state_path(np.array([confident, confident, -unsure, confident, confident]), cost).tolist() == [1] * 5
    assert two_state_path(np.array([confident, confident, -unsure - 0.2, confident]), cost).tolist() == [1, 1, 0, 1]
    assert two_state_path(np.array([confident, -confident, -confident, confident]), cost).tolist() == [1, 0, 0, 1]
    assert two_state_path(np.empty(0), 4.0).size == 0


def test_a_change_within_a_region_falls_between_the_windows_either_side():
    regions = [(0.0, 5.6)]
    windows = plan_windows(regions, 1.6, 0.8)  # centres 0.8, 1.6, ... 4.8
    p = [0.99, 0.99, 0.99, 0.01, 0.01, 0.01]
    segments = label_regions(regions, windows, p, 4.0)
    assert [(s[2], s[0], s[1]) for s in segments] == [("male", 0.0, pytest.approx(2.8)), ("female", pytest.approx(2.8), 5.6)]
    assert segments[0][3] == pytest.approx(1 / (1 + np.exp(-4.0)))  # the mean log-odds of the run, capped at 4
    assert label_regions(regions, windows, [np.nan] * len(windows), 4.0) == []


def test_regions_closer_than_join_lend_each_other_their_evidence_and_keep_their_own_edges():
    regions = [(0.0, 3.2), (3.5, 4.3), (6.0, 6.8)]  # a sure turn, a word 0.3 s after it, a word 1.7 s later
    windows = plan_windows(regions, 1.6, 0.8)  # three over the turn, one over each word
    p = [0.99, 0.99, 0.99, 0.4, 0.4]  # each word alone leans female
    alone = label_regions(regions, windows, p, 1.0)
    assert [segment[2] for segment in alone] == ["male", "female", "female"]
    joined = label_regions(regions, windows, p, 1.0, join=0.5)
    assert [(a, b, label) for a, b, label, _ in joined] == [(0.0, 3.2, "male"), (3.5, 4.3, "male"), (6.0, 6.8, "female")]
    stretch = np.mean([4.0, 4.0, 4.0, np.log(0.4 / 0.6)])  # the mean log-odds of the stretch's run of "male"
    assert joined[0][3] == joined[1][3] == pytest.approx(1 / (1 + np.exp(-stretch)))


def test_pauses_shorter_than_the_bridge_join_segments_of_one_sex_only():
    segments = [(0.0, 2.0, "male", 0.9), (2.5, 3.0, "male", 0.7), (3.2, 4.0, "female", 0.8), (6.0, 7.0, "female", 0.8)]
    joined = bridge_pauses(segments, 1.0)
    assert [(a, b, label) for a, b, label, _ in joined] == [(0.0, 3.0, "male"), (3.2, 4.0, "female"), (6.0, 7.0, "female")]
    assert joined[0][3] == pytest.approx(0.9 * 0.8 + 0.7 * 0.2)
    assert bridge_pauses(segments, 0.0) == segments


def test_longer_pauses_are_bridged_only_where_the_voices_either_side_agree():
    # four regions, one window each; voices: A, A (after a 1.5 s pause), B (1.5 s later, same sex), B (3 s later)
    windows = [(0.0, 1.6, 0), (3.1, 4.7, 1), (6.2, 7.8, 2), (10.8, 12.4, 3)]
    a, b = np.array([1.0, 0.0]), np.array([0.6, 0.8])  # cosine of A and B: 0.6
    embeddings = np.stack([a, a, b, b])
    segments = [(0.0, 1.6, "male", 0.9), (3.1, 4.7, "male", 0.7), (6.2, 7.8, "male", 0.8), (10.8, 12.4, "male", 0.8)]
    joined = bridge_same_voice(segments, windows, embeddings, 2.0, 0.7)
    assert [(start, end) for start, end, _, _ in joined] == [(0.0, 4.7), (6.2, 7.8), (10.8, 12.4)]
    assert joined[0][3] == pytest.approx(0.8)
    assert len(bridge_same_voice(segments, windows, embeddings, 2.0, 0.5)) == 2  # A-B agree at 0.6; B's pause is 3 s
    assert bridge_same_voice(segments, windows, embeddings, 1.5, 0.5) == segments  # pauses of 1.5 s are not under it
    other_sex = [segments[0], (3.1, 4.7, "female", 0.7)]
    assert bridge_same_voice(other_sex, windows[:2], embeddings[:2], 2.0, 0.0) == other_sex


def test_pooling_by_voice_moves_each_window_towards_its_voices_mean():
    # windows: voice A (1.6 s, sure male), A (0.5 s, leaning female), B (1 s, female), one not judged (NaN)
    windows = [(0.0, 1.6, 0), (5.0, 5.5, 1), (9.0, 10.0, 2), (12.0, 12.4, 3)]
    a, b = np.array([1.0, 0.0]), np.array([0.6, 0.8])  # cosine of A and B: 0.6
    embeddings = np.stack([a, 3 * a, b, a])  # lengths do not matter, only directions
    p_male = np.array([0.95, 0.4, 0.1, np.nan])
    pooled = pool_by_voice(p_male, windows, embeddings, 0.7, 1.0)
    a_mean = (1.6 * log_odds(0.95) + 0.5 * log_odds(0.4)) / 2.1  # A's windows, weighted by length
    np.testing.assert_allclose(log_odds(pooled[:2]), [a_mean, a_mean])
    assert pooled[2] == pytest.approx(0.1) and np.isnan(pooled[3])  # B has no like; the NaN neither lends nor takes
    half = pool_by_voice(p_male, windows, embeddings, 0.7, 0.5)
    assert log_odds(half[1]) == pytest.approx(0.5 * log_odds(0.4) + 0.5 * a_mean)
    everyone = pool_by_voice(p_male, windows, embeddings, 0.5, 1.0)  # at 0.5, A and B are one voice
    assert len(set(np.round(everyone[:3], 12))) == 1
    np.testing.assert_array_equal(pool_by_voice(p_male, windows, embeddings, 0.7, 0.0), p_male)


def test_short_windows_can_lean_on_the_voiceprint_instead_of_the_models_blend():
    windows = [(0.0, 1.6, 0), (2.0, 2.5, 1), (3.0, 3.9, 2), (5.0, 5.4, 3)]
    verdicts = Verdicts(6.0, [(0.0, 1.6), (2.0, 2.5), (3.0, 3.9), (5.0, 5.4)], windows,
                        p_male=np.array([0.6, 0.5, 0.45, 0.9]), p_features=np.array([0.3, 0.2, 0.1, np.nan]),
                        p_voiceprint=np.array([0.8, 0.9, 0.7, 0.9]))
    np.testing.assert_allclose(verdicts.leaning(1.0, 1.0), [0.6, 0.9, 0.7, 0.9])  # no features: as judged
    np.testing.assert_allclose(verdicts.leaning(0.6, 0.5), [0.6, 0.55, 0.45, 0.9])  # only the 0.5 s window
    np.testing.assert_allclose(verdicts.leaning(1.6, 0.5), [0.6, 0.55, 0.4, 0.9])  # a whole window never leans
    np.testing.assert_allclose(verdicts.leaning(0.0, 1.0), verdicts.p_male)


def test_padding_widens_segments_within_the_file_and_up_to_the_middle_of_each_gap():
    segments = [(0.05, 2.0, "male", 0.9), (2.1, 3.0, "female", 0.7), (4.0, 5.9, "female", 0.8)]
    widened = widen(segments, 0.2, 6.0)
    assert [(round(a, 6), round(b, 6)) for a, b, _, _ in widened] == [(0.0, 2.05), (2.05, 3.2), (3.8, 6.0)]
    assert [(label, p) for _, _, label, p in widened] == [(label, p) for _, _, label, p in segments]
    assert widen(segments, 0.0, 6.0) == segments
    assert widen([], 0.2, 6.0) == []


def test_blocks_give_the_same_samples_as_reading_the_whole_file(tmp_path, monkeypatch):
    path = tmp_path / "long.wav"
    samples = np.random.default_rng(2).normal(0, 0.1, 7 * RATE)
    soundfile.write(path, samples, RATE, subtype="PCM_16")
    whole, _ = soundfile.read(path, dtype="float64")
    monkeypatch.setattr(streaming, "BLOCK_BYTES", 8 * 1000)  # 1,000-sample blocks: windows straddle blocks
    windows = plan_windows([(0.1, 3.3), (4.0, 6.9)], 1.6, 0.8)
    with streaming.open_stream(path) as opened:
        assert max(b.size for b in opened.blocks()) <= 1000
        clips = list(_clips(opened, windows))
    for (start, end, _), clip in zip(windows, clips):
        a, b = int(round(start * RATE)), int(round(end * RATE))
        np.testing.assert_array_equal(clip, whole[a:b] * 2**15)


def test_embedding_windows_together_gives_each_ones_embedding():
    from vgr.voiceprint.encoder import embed, embed_many

    rng = np.random.default_rng(3)
    clips = [rng.normal(0, 0.1, n) for n in (8000, 25600, 40000)]
    together = embed_many(clips, RATE)
    for clip, row in zip(clips, together):
        np.testing.assert_allclose(row, embed(clip, RATE), atol=1e-5)
    assert embed_many([], RATE).shape == (0, 256)


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="switch cost"):
        Settings(switch_cost=-1)
    with pytest.raises(ValueError, match="bridge"):
        Settings(bridge=-0.5)
    with pytest.raises(ValueError, match="join"):
        Settings(join=-0.1)
    with pytest.raises(ValueError, match="pad"):
        Settings(pad=-0.2)
    with pytest.raises(ValueError, match="same-voice bridge"):
        Settings(same_voice_bridge=-1)
    with pytest.raises(ValueError, match="cosine"):
        Settings(same_voice=1.5)
    with pytest.raises(ValueError, match="cosine"):
        Settings(voice_pool_cosine=-2)
    with pytest.raises(ValueError, match="voice pool"):
        Settings(voice_pool=1.5)
    with pytest.raises(ValueError, match="hop"):
        Settings(window=1.0, hop=2.0)


def test_cli_csv_json_and_a_bad_file_in_the_batch(mixture, tmp_path):
    path, _ = mixture
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"not audio at all" * 100)
    out = tmp_path / "segments.csv"
    result = runner.invoke(app, ["segment", str(path), str(bad), "-o", str(out)])
    assert result.exit_code == 1
    lines = stderr_lines(result)
    assert [line for line in lines if "bad.wav" in line] == [f"vgr: {bad}: cannot decode audio (Format not recognised.)"]
    assert any(line.startswith(f"vgr: {path}: ") and "female" in line for line in lines)
    rows = out.read_text().splitlines()
    assert rows[0] == "file,start,end,label,probability" and len(rows) >= 3
    assert {row.split(",")[3] for row in rows[1:]} == {"female", "male"}
    again = runner.invoke(app, ["segment", str(path), "-o", str(out)])
    assert again.exit_code == 1 and "already exists" in stderr_lines(again)[-1]
    as_json = runner.invoke(app, ["segment", str(path), "-f", "json"])
    assert as_json.exit_code == 0
    files = json.loads(as_json.stdout)["files"]
    assert files[0]["status"] == "ok" and files[0]["female_share"] + files[0]["male_share"] == pytest.approx(1.0)
    assert {s["label"] for s in files[0]["segments"]} == {"female", "male"}


def test_cli_silence_is_zero_speech_not_an_error(tmp_path):
    path = tmp_path / "quiet.wav"
    soundfile.write(path, np.zeros(3 * RATE), RATE)
    result = runner.invoke(app, ["segment", str(path), "-f", "json"])
    assert result.exit_code == 0
    summary = json.loads(result.stdout)["files"][0]
    assert summary["speech_seconds"] == 0 and summary["segments"] == [] and summary["male_share"] is None
    assert stderr_lines(result) == [f"vgr: {path}: no speech in 3.0 s"]


def test_cli_help():
    result = runner.invoke(app, ["segment", "--help"])
    assert result.exit_code == 0 and "file,start,end,label,probability" in result.stdout


def test_cli_plot_draws_a_png_and_keeps_an_existing_one(mixture, tmp_path):
    pytest.importorskip("matplotlib")
    path, _ = mixture
    picture = tmp_path / "timeline.png"
    result = runner.invoke(app, ["segment", str(path), "-o", str(tmp_path / "s.csv"), "--plot", str(picture)])
    assert result.exit_code == 0 and picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    again = runner.invoke(app, ["segment", str(path), "--plot", str(picture)])
    assert again.exit_code == 1 and "already exists" in stderr_lines(again)[-1]


def test_a_change_of_speaker_without_a_pause_is_found_within_a_window(tmp_path):
    female = np.concatenate([trimmed(EMODB / "08" / f"{name}.flac") for name in ("08a01Ab", "08a01Fd")])
    male = np.concatenate([trimmed(EMODB / "03" / f"{name}.flac") for name in ("03a01Fa", "03a01Nc")])
    samples = np.concatenate([np.zeros(RATE), female, male, np.zeros(RATE)])
    path = tmp_path / "adjacent.wav"
    soundfile.write(path, samples + hiss(samples.size / RATE), RATE, subtype="PCM_16")
    segments = segment_file(path).segments
    assert [s.label for s in segments] == ["female", "male"]
    assert abs(segments[0].end - (1 + female.size / RATE)) <= Settings().window


def test_progress_moves_forward_through_speech_detection_then_the_windows(mixture):
    from vgr.segment.core import DETECTION_SHARE
    from vgr.segment.detect import vetoes

    path, _ = mixture
    calls = []
    result = segment_file(path, on_progress=lambda done, total: calls.append((done, total)))
    done = np.array([c[0] for c in calls])
    assert {c[1] for c in calls} == {result.seconds}
    assert np.all(np.diff(done) >= 0) and done[-1] == result.seconds
    windows = done[(done > DETECTION_SHARE * result.seconds) & (done < result.seconds)]
    assert windows.size >= 1  # the window pass reports between the detection's share and the end
    if vetoes():  # the silero-vad pass reports as it reads, within its share
        assert 0 < done[0] <= DETECTION_SHARE * result.seconds + 1e-9
