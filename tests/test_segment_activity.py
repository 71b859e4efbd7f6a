"""Finding speech in `vgr segment`: the energy detector, silero-vad's network, and music rejected by the two."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile
from typer.testing import CliRunner

from tests.conftest import SHARED
from vgr.cli import app
from vgr.segment import activity, detect, segment_file, silero
from vgr.segment.stream import levels_of

RATE = 16000
EMODB = SHARED / "audio" / "speakers" / "emodb"


def levels(samples: np.ndarray) -> np.ndarray:
    """The 20 ms levels as ``vgr segment`` measures them."""
    return levels_of(samples, RATE)


def music(seconds: float = 8.0, seed: int = 0) -> np.ndarray:
    """Plucked notes (harmonics, 0.3 s decay) on a scale, two a beat at 120 bpm, over a kick and a hi-hat."""
    rng = np.random.default_rng(seed)
    out = rng.normal(0, 3e-4, int(seconds * RATE))
    t = np.arange(int(0.5 * RATE)) / RATE
    for k, start in enumerate(np.arange(0, seconds - 0.5, 0.25)):
        f0 = 220 * 2 ** ([0, 2, 4, 5, 7, 9, 11, 12][k * 3 % 8] / 12)
        note = sum(np.sin(2 * np.pi * h * f0 * t) / h for h in range(1, 6)) * np.exp(-t / 0.3) * 0.05
        if k % 2 == 0:  # on the beat
            note = note + np.sin(2 * np.pi * 60 * t) * np.exp(-t / 0.08) * 0.2 + rng.normal(0, 0.03, t.size) * np.exp(-t / 0.03)
        at = int(start * RATE)
        out[at : at + t.size] += note
    return out


def emodb(name: str) -> np.ndarray:
    import soxr

    samples, rate = soundfile.read(EMODB / name[:2] / f"{name}.flac", dtype="float64")
    return soxr.resample(samples, rate, RATE)


@pytest.fixture(scope="module")
def speech_with_music():
    """Two emodb sentences (3.5 s of silence between), then 8 s of music. True speech ends before 1 + both."""
    first, second = emodb("08a01Ab"), emodb("03a01Fa")
    silence = np.random.default_rng(1).normal(0, 3e-4, int(3.5 * RATE))
    parts = [silence[:RATE], first, silence, second, silence, music()]
    speech_end = (RATE + first.size + silence.size + second.size) / RATE
    return np.concatenate(parts), speech_end


def seconds(regions) -> float:
    return sum(end - start for start, end in regions)


def test_the_energy_detector_alone_calls_music_speech():
    """The reason for silero-vad: a steady beat under notes rises and falls like syllables."""
    assert seconds(activity.speech_regions(levels(music()), 0.02)) > 5.0


def test_music_alone_gives_no_speech():
    samples = music()
    assert silero.available()
    assert detect.speech_regions(levels(samples), 0.02, [samples], RATE) == []
    assert np.max(silero.probabilities(samples)) < 0.5


def test_speech_is_kept_and_the_music_after_it_dropped(speech_with_music):
    samples, speech_end = speech_with_music
    alone = activity.speech_regions(levels(samples), 0.02)
    found = detect.speech_regions(levels(samples), 0.02, [samples], RATE)
    assert seconds([r for r in alone if r[0] > speech_end]) > 5.0  # the energy detector takes the music
    assert [r for r in found if r[1] > speech_end + 0.1] == []  # the gate leaves none of it
    kept = seconds([r for r in found if r[1] <= speech_end + 0.1])
    assert kept > 0.9 * seconds([r for r in alone if r[1] <= speech_end + 0.1]) > 2.0


def test_without_onnxruntime_the_energy_detector_decides_alone(speech_with_music, monkeypatch):
    samples, _ = speech_with_music
    monkeypatch.setattr(silero, "available", lambda: False)
    assert detect.speech_regions(levels(samples), 0.02, [samples], RATE) == activity.speech_regions(levels(samples), 0.02)


def test_silero_gives_the_same_probabilities_whatever_the_blocks(speech_with_music):
    samples = speech_with_music[0][: 23 * RATE]
    whole = silero.probabilities(samples)
    network = silero.Silero()
    pieces = [network.feed(samples[at : at + 7777]) for at in range(0, samples.size, 7777)] + [network.finish()]
    assert whole.size == -(-samples.size // silero.CHUNK)
    np.testing.assert_array_equal(np.concatenate(pieces), whole)


def test_silero_regions_follow_its_hysteresis_and_padding():
    chunk = silero.CHUNK / RATE
    probs = np.full(200, 0.05)
    probs[10:40] = 0.9  # 0.96 s of speech...
    probs[20:22] = 0.4  # ...through a dip that is not under 0.35: no cut
    probs[25:27] = 0.1  # ...and a 64 ms pause, shorter than 0.1 s: no cut
    probs[100:105] = 0.9  # 0.16 s: too short, dropped
    probs[150:170] = 0.8
    found = silero.speech_regions(probs, 200 * chunk)
    assert np.ravel(found) == pytest.approx([10 * chunk - 0.03, 40 * chunk + 0.03, 150 * chunk - 0.03, 170 * chunk + 0.03])


def test_the_gate_keeps_energy_frames_near_voice_and_drops_short_leftovers():
    speech = np.zeros(500, dtype=bool)
    speech[50:150] = speech[300:400] = True
    kept = detect.gated(speech, [(1.5, 2.0)], 0.02, widen=1.0)  # 0.5-3.0 s: frames 25-150
    assert activity.runs(kept) == [(50, 150)]
    assert not detect.gated(speech, [(5.5, 5.8)], 0.02, widen=0.25).any()  # ..6.05 s: 3 frames < 0.3 s


def test_segment_file_finds_no_speech_in_music_and_names_both_sexes_in_speech(tmp_path, speech_with_music):
    samples, speech_end = speech_with_music
    soundfile.write(tmp_path / "music.wav", music(12.0), RATE, subtype="PCM_16")
    soundfile.write(tmp_path / "mixed.wav", samples, RATE, subtype="PCM_16")
    only_music = segment_file(tmp_path / "music.wav")
    assert only_music.ok and only_music.speech_seconds() == 0.0
    mixed = segment_file(tmp_path / "mixed.wav")
    assert mixed.speech_seconds() > 2.0
    assert max(s.end for s in mixed.segments) <= speech_end + 0.1
    assert {s.label for s in mixed.segments} == {"female", "male"}


def test_the_cli_says_in_one_line_when_music_cannot_be_rejected(tmp_path, monkeypatch):
    soundfile.write(tmp_path / "music.wav", music(3.0), RATE, subtype="PCM_16")
    monkeypatch.setattr(silero, "available", lambda: False)
    result = CliRunner().invoke(app, ["segment", str(tmp_path / "music.wav")])
    lines = [line for line in result.stderr.splitlines() if "onnxruntime" in line]
    assert lines == ['vgr: onnxruntime is not installed: speech is found by its level alone, music is not rejected '
                     '(pip install "vgr[vad]")']


def test_the_network_ships_with_the_package():
    assert silero.MODEL.is_file() and 1_000_000 < silero.MODEL.stat().st_size < 2_000_000
    assert (silero.MODEL.parent / "LICENSE.silero-vad").read_text().startswith("MIT License")


def test_vgr_serve_says_the_same_line_before_serving(monkeypatch):
    import vgr.serve.app as serve_app

    served = []
    monkeypatch.setattr(serve_app, "run", lambda *args: served.append(args))
    monkeypatch.setattr(silero, "available", lambda: False)
    result = CliRunner().invoke(app, ["serve", "--port", "8123"])
    assert result.exit_code == 0 and len(served) == 1
    assert [line for line in result.stderr.splitlines() if "onnxruntime" in line] == [
        'vgr: onnxruntime is not installed: speech is found by its level alone, music is not rejected '
        '(pip install "vgr[vad]")']
    monkeypatch.setattr(silero, "available", lambda: True)
    assert "onnxruntime" not in CliRunner().invoke(app, ["serve", "--port", "8123"]).stderr


def test_files_share_one_network_session_and_get_the_same_answers():
    samples = music(3.0).astype(np.float32)
    first, second = silero.Silero(), silero.Silero()
    assert first.session is second.session  # built once per process, not per file
    np.testing.assert_array_equal(np.concatenate([first.feed(samples), first.finish()]),
                                  np.concatenate([second.feed(samples), second.finish()]))


def test_each_stretch_is_raised_to_speech_level_never_lowered_and_between_takes_the_nearest():
    levels_db = np.full(20, -90.0)
    levels_db[2:5] = -50.0  # quiet: raised by 30 dB
    levels_db[10:12] = -5.0  # loud: left alone
    levels_db[16:18] = -200.0  # digital silence: raised by the cap only
    speech = levels_db > -60
    speech[16:18] = True
    factors = 20 * np.log10(detect.gains(levels_db, speech))
    expected = np.r_[np.full(7, 30.0), np.full(7, 0.0), np.full(6, detect.MAX_GAIN_DB)]  # bounds at 7 and 14
    np.testing.assert_allclose(factors, expected, atol=1e-9)
    assert np.all(detect.gains(levels_db, np.zeros(20, dtype=bool)) == 1.0)


def test_a_quiet_word_that_silero_misses_is_heard_once_raised():
    word = emodb("03a01Fa")[int(1.0 * RATE) : int(1.8 * RATE)] * 10 ** (-55 / 20)
    samples = np.concatenate([np.zeros(RATE), word, np.zeros(RATE)])
    samples += np.random.default_rng(2).normal(0, 3e-5, samples.size)
    assert silero.speech_regions(silero.probabilities(samples), samples.size / RATE) == []  # the premise
    speech = np.zeros(samples.size // 320, dtype=bool)
    speech[50:90] = True  # where the word is
    heard = detect.voice_regions([samples], RATE, detect.gains(levels(samples), speech), 320)
    assert len(heard) == 1 and 0.9 < heard[0][0] < 1.2 and 1.6 < heard[0][1] < 2.0


def test_silero_vouches_for_word_long_runs_it_hears_half_of_and_nothing_else():
    loud = np.zeros(200, dtype=bool)
    loud[5:8] = True  # 0.06 s: shorter than a word's syllable
    loud[20:45] = True  # 0.5 s, heard 0.3 s of it: kept
    loud[60:85] = True  # 0.5 s, heard 0.2 s of it: dropped
    loud[100:175] = True  # 1.5 s, all heard: longer than a word, left to the energy detector's own test
    heard = [(0.0, 0.2), (0.5, 0.8), (1.2, 1.4), (1.9, 3.6)]
    assert activity.runs(detect.vouched(loud, heard, 0.02)) == [(20, 45)]


def short_word_alone(samples: np.ndarray) -> np.ndarray:
    word = samples * np.minimum(1.0, np.minimum(np.arange(samples.size), np.arange(samples.size)[::-1]) / 160)
    alone = np.concatenate([np.zeros(RATE), word, np.zeros(RATE)])
    return alone + np.random.default_rng(2).normal(0, 3e-4, alone.size)


def test_a_short_word_the_energy_test_rejects_is_speech_where_silero_hears_it():
    samples = short_word_alone(emodb("08a01Ab")[int(0.9 * RATE) : int(1.3 * RATE)])  # 0.4 s
    assert activity.speech_regions(levels(samples), 0.02) == []  # the premise: its middle is one steady vowel
    found = detect.speech_regions(levels(samples), 0.02, [samples], RATE)
    assert len(found) == 1 and found[0] == pytest.approx((1.0, 1.4), abs=0.03)


def test_a_burst_of_hiss_as_long_as_a_word_is_still_no_speech():
    samples = short_word_alone(np.random.default_rng(3).normal(0, 0.05, int(0.5 * RATE)))
    assert detect.speech_regions(levels(samples), 0.02, [samples], RATE) == []


def test_levels_are_the_same_whatever_the_blocks_and_blind_to_a_dc_offset():
    from vgr.segment.stream import FRAME_SECONDS, LevelMeter

    samples = np.concatenate([np.zeros(RATE), emodb("03a01Fa"), np.zeros(RATE)])
    samples += np.random.default_rng(4).normal(0, 3e-4, samples.size)
    whole = levels_of(samples, RATE)
    meter = LevelMeter(RATE, int(FRAME_SECONDS * RATE))
    np.testing.assert_allclose(np.concatenate([meter.feed(part) for part in np.array_split(samples, 7)]), whole,
                               atol=1e-9)
    offset = levels_of(samples + 0.01, RATE)  # -40 dBFS of DC, 20 dB over the hiss
    assert np.max(np.abs(offset[10:] - whole[10:])) < 0.5  # after the filter's first 0.2 s
    assert activity.speech_regions(offset, 0.02) == activity.speech_regions(whole, 0.02) != []


def test_a_nan_or_infinite_sample_is_one_quiet_frame_not_a_silent_file():
    samples = np.concatenate([np.zeros(RATE), emodb("03a01Fa"), np.zeros(RATE)])
    samples += np.random.default_rng(5).normal(0, 3e-4, samples.size)
    clean = levels(samples)
    for bad in (np.nan, np.inf):
        broken = samples.copy()
        broken[2 * RATE + 7] = bad  # inside frame 100, in the speech
        measured = levels(broken)
        assert np.isfinite(measured).all()
        np.testing.assert_allclose(np.delete(measured, 100)[110:], np.delete(clean, 100)[110:], atol=1e-6)
        assert activity.speech_regions(measured, 0.02) == activity.speech_regions(clean, 0.02) != []
