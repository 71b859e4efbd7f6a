"""The extractor on synthetic signals whose answers are known."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile

from tests.conftest import harmonic_tone
from vgr.errors import AudioError, NoVoicedAudioError, TooShortError, UnreadableAudioError
from vgr.features import FEATURE_NAMES, compute_features, extract_features

SPECTRAL_SHAPE = ("meanfreq", "sd", "median", "Q25", "Q75", "IQR", "skew", "kurt", "sp.ent", "sfm", "mode", "centroid")


def test_returns_the_20_voice_csv_columns_in_order():
    features = compute_features(harmonic_tone(150, 16000, 1.0) * 20000, 16000)
    assert tuple(features) == FEATURE_NAMES
    assert all(np.isfinite(v) for v in features.values())


@pytest.mark.parametrize("f0, rate", [(200, 16000), (100, 16000), (160, 16000), (250, 48000)])
def test_cepstral_pitch_of_a_harmonic_tone(f0, rate):
    # The cepstral peak of a periodic signal sits at the period in samples: F0 = rate / period exactly.
    features = compute_features(harmonic_tone(f0, rate, 2.0) * 20000, rate)
    assert features["meanfun"] == pytest.approx(f0 / 1000, rel=1e-12)
    assert features["minfun"] == features["maxfun"] == pytest.approx(f0 / 1000, rel=1e-12)


def test_dominant_frequency_is_one_bin_above_the_strongest_harmonic():
    rate, f0 = 16000, 250.0
    features = compute_features(harmonic_tone(f0, rate, 2.0) * 20000, rate)
    nearest_bin = round(f0 * 2048 / rate)  # 0-based bin of the fundamental, the strongest harmonic
    expected = (nearest_bin + 1) * rate / 2048 / 1000  # seewave 2.0.2 reports bin index k as f*k/wl
    assert features["meandom"] == features["mindom"] == features["maxdom"] == pytest.approx(expected)
    assert features["dfrange"] == 0 and features["modindx"] == 0


def test_spectral_mode_of_a_pure_tone_below_280_hz():
    rate = 16000
    t = np.arange(3 * rate) / rate
    features = compute_features(np.sin(2 * np.pi * 150 * t) * 10000, rate)
    # specprop regenerates its axis as seq(0, 280, length.out = m), so the peak lands within a bin or so.
    assert features["mode"] == pytest.approx(0.150, abs=0.001)
    assert features["median"] == pytest.approx(0.150, abs=0.002)


def test_gain_does_not_change_the_spectral_shape():
    signal = harmonic_tone(180, 16000, 2.0) + 0.01 * np.random.default_rng(0).standard_normal(32000)
    loud, quiet = compute_features(signal * 30000, 16000), compute_features(signal * 300, 16000)
    for name in SPECTRAL_SHAPE:
        assert quiet[name] == pytest.approx(loud[name], rel=1e-9), name
    assert quiet["meanfun"] == pytest.approx(loud["meanfun"], rel=1e-3)
    assert quiet["meandom"] == loud["meandom"]


@pytest.mark.parametrize("subtype", ["PCM_16", "PCM_24", "PCM_32", "FLOAT", "DOUBLE"])
def test_bit_depth_does_not_change_the_spectral_shape(write_wav, subtype):
    signal = harmonic_tone(140, 16000, 2.0) + 0.02 * np.random.default_rng(1).standard_normal(32000)
    signal = np.round(signal * 16000) / 32768  # exactly representable at every depth
    reference = compute_features(signal * 32768, 16000)
    got = extract_features(write_wav(f"x_{subtype}.wav", signal, 16000, subtype))
    for name in SPECTRAL_SHAPE:
        assert got[name] == pytest.approx(reference[name], rel=1e-9), name


def test_integer_wavs_are_read_at_their_raw_scale(write_wav):
    signal = np.round(harmonic_tone(140, 16000, 1.0) * 12000).astype(np.int16)
    path = write_wav("x.wav", signal, 16000)
    assert extract_features(path) == compute_features(signal.astype(float), 16000)


def test_sample_rate_change_keeps_spectral_shape_and_pitch():
    low = compute_features(harmonic_tone(200, 16000, 2.0) * 20000, 16000)
    high = compute_features(harmonic_tone(200, 48000, 2.0) * 20000, 48000)
    for name in ("meanfreq", "median", "mode", "Q25", "Q75"):
        assert high[name] == pytest.approx(low[name], abs=0.002), name
    assert low["meanfun"] == pytest.approx(0.200, rel=1e-12)
    # At 48 kHz a few frames lock onto another cepstral peak: close, not exact.
    assert high["meanfun"] == pytest.approx(0.200, rel=0.06)
    # The dominant-frequency bin width (f / 2048) grows with the rate.
    assert high["mindom"] > low["mindom"]


def test_only_the_first_20_seconds_count():
    signal = harmonic_tone(200, 8000, 20.0) * 20000
    tail = harmonic_tone(110, 8000, 5.0) * 20000
    assert compute_features(np.concatenate([signal, tail]), 8000) == compute_features(signal, 8000)


def test_file_and_array_give_identical_features(write_wav):
    signal = np.round(harmonic_tone(170, 22050, 1.5) * 20000).astype(np.int16)
    path = write_wav("same.wav", signal, 22050)
    assert extract_features(path) == extract_features(signal.astype(float), 22050)


def test_stereo_uses_the_left_channel(write_wav):
    left = harmonic_tone(120, 16000, 1.0) * 0.5
    right = harmonic_tone(230, 16000, 1.0) * 0.5
    path = write_wav("stereo.wav", np.stack([left, right], axis=1), 16000)
    mono = write_wav("left.wav", left, 16000)
    assert extract_features(path) == extract_features(mono)


def test_too_short_signal():
    with pytest.raises(TooShortError, match=r"too short: 2048 samples, need at least 2049"):
        compute_features(np.ones(2048), 16000)


def test_silence_has_no_voiced_audio():
    with pytest.raises(NoVoicedAudioError, match="no voiced audio"):
        compute_features(np.zeros(16000), 16000)


def test_non_finite_samples_are_rejected():
    signal = harmonic_tone(150, 16000, 1.0)
    signal[100] = np.nan
    with pytest.raises(AudioError, match="NaN or infinite"):
        compute_features(signal, 16000)


def test_unsupported_sample_rate():
    with pytest.raises(AudioError, match="sample rate 1000 Hz is not supported"):
        compute_features(np.ones(50000), 1000)


def test_file_errors_name_the_file(tmp_path, write_wav):
    short = write_wav("short.wav", np.ones(1000) * 0.1, 16000)
    with pytest.raises(TooShortError) as caught:
        extract_features(short)
    assert str(caught.value) == f"{short}: too short: 1000 samples, need at least 2049 (0.128 s)"

    garbage = tmp_path / "noise.wav"
    garbage.write_bytes(np.random.default_rng(0).bytes(4000))
    with pytest.raises(UnreadableAudioError, match=r"noise\.wav: cannot decode audio"):
        extract_features(garbage)

    with pytest.raises(UnreadableAudioError, match=r"missing\.wav: no such file"):
        extract_features(tmp_path / "missing.wav")

    folder = tmp_path / "folder.wav"
    folder.mkdir()
    with pytest.raises(UnreadableAudioError, match="is a directory"):
        extract_features(folder)


def test_unsigned_8_bit_keeps_its_dc_offset(write_wav):
    signal = harmonic_tone(150, 16000, 1.0) * 0.5
    path = write_wav("u8.wav", signal, 16000, "PCM_U8")
    raw, _ = soundfile.read(str(path), dtype="float64")
    assert extract_features(path) == compute_features(raw * 128 + 128, 16000)
