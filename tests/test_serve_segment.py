"""`vgr serve`'s ``POST /api/segment``: the timeline of an upload, and its errors as everywhere else."""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile

pytest.importorskip("fastapi", reason="vgr serve needs the serve extra: pip install 'vgr[serve]'")
from fastapi.testclient import TestClient  # noqa: E402

from tests.test_segment import EMODB, RATE, hiss, trimmed  # noqa: E402
from vgr.predict import load_model  # noqa: E402
from vgr.serve.app import create_app  # noqa: E402


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(load_model(), max_upload_bytes=2 * 2**20, workers=1)) as client:
        yield client


def wav_bytes(samples: np.ndarray) -> bytes:
    stream = io.BytesIO()
    soundfile.write(stream, samples, RATE, format="WAV", subtype="PCM_16")
    return stream.getvalue()


def upload(client, name, content):
    return client.post("/api/segment", files={"file": (name, content, "application/octet-stream")})


def test_segment_an_upload(client):
    female = np.concatenate([trimmed(EMODB / "08" / f"{n}.flac") for n in ("08a01Ab", "08a01Fd", "08a01Lc")])
    male = np.concatenate([trimmed(EMODB / "03" / f"{n}.flac") for n in ("03a01Fa", "03a01Nc", "03a01Wa")])
    samples = np.concatenate([np.zeros(RATE), female, np.zeros(RATE), male, np.zeros(RATE)])
    response = upload(client, "talk.wav", wav_bytes(samples + hiss(samples.size / RATE)))
    assert response.status_code == 200
    body = response.json()
    assert body["file"] == "talk.wav" and body["status"] == "ok"
    assert [s["label"] for s in body["segments"]][0] == "female" and body["segments"][-1]["label"] == "male"
    assert body["female_share"] + body["male_share"] == pytest.approx(1.0)
    assert "/api/segment" in client.get("/openapi.json").json()["paths"]
    assert 'fetch("/api/segment"' in client.get("/").text


def test_segment_silence_is_zero_speech(client):
    body = upload(client, "quiet.wav", wav_bytes(np.zeros(2 * RATE))).json()
    assert body["speech_seconds"] == 0 and body["segments"] == [] and body["male_share"] is None


def test_segment_not_audio_is_415(client):
    response = upload(client, "x.wav", b"not audio" * 50)
    assert response.status_code == 415 and response.json()["detail"].startswith("x.wav: cannot decode audio")
