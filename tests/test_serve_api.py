"""`vgr serve` API through the framework's test client: success and every error case."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("fastapi", reason="vgr serve needs the serve extra: pip install 'vgr[serve]'")
from fastapi.testclient import TestClient  # noqa: E402

from tests.conftest import harmonic_tone  # noqa: E402
from vgr.features.names import FEATURE_NAMES  # noqa: E402
from vgr.predict import load_model  # noqa: E402
from vgr.serve.app import create_app  # noqa: E402


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(load_model(), max_upload_bytes=2 * 2**20, workers=1)) as client:
        yield client


def upload(client, name, content, field="file"):
    return client.post("/api/predict", files={field: (name, content, "application/octet-stream")})


def test_health_and_openapi(client):
    health = client.get("/api/health").json()
    assert health["status"] == "ok" and health["members"] == 10
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/predict", "/api/health"} <= set(paths)


def test_page_has_no_external_requests(client):
    page = client.get("/")
    assert page.status_code == 200 and "<title>vgr" in page.text
    assert "http://" not in page.text and "https://" not in page.text


def test_predict_a_shared_recording(client, shared):
    path = shared / "audio" / "real" / "female" / "vcc2016_SF1_100002.wav"
    response = upload(client, path.name, path.read_bytes())
    assert response.status_code == 200
    body = response.json()
    assert body["label"] == "female" and body["status"] == "ok" and body["file"] == path.name
    assert set(body) == {"file", "label", "probability", "p_male", "votes", "seconds", "status", "features"}
    assert list(body["features"]) == list(FEATURE_NAMES) and body["votes"].endswith("/10")
    assert body["probability"] == pytest.approx(1 - body["p_male"])


def test_medians_for_the_page(client):
    medians = client.get("/api/medians").json()
    assert medians["male"]["meanfun"] < medians["female"]["meanfun"]


@pytest.mark.bad_input
def test_missing_file(client):
    response = client.post("/api/predict", data={"other": "x"})
    assert response.status_code == 400
    assert response.json() == {"detail": "no file uploaded (send multipart/form-data with a 'file' field)"}


@pytest.mark.bad_input
def test_empty_upload(client):
    response = upload(client, "empty.wav", b"")
    assert response.status_code == 400 and response.json() == {"detail": "the uploaded file is empty"}


@pytest.mark.bad_input
def test_not_audio(client):
    response = upload(client, "notes.txt", b"these are not samples\n" * 20)
    assert response.status_code == 415
    assert response.json() == {"detail": "notes.txt: cannot decode audio (Format not recognised.)"}


@pytest.mark.bad_input
def test_no_voiced_audio(client, write_wav):
    silent = write_wav("silent.wav", np.zeros(16000), 16000)
    response = upload(client, "silent.wav", silent.read_bytes())
    assert response.status_code == 422
    assert response.json() == {"detail": "silent.wav: no voiced audio (the signal is constant)"}


@pytest.mark.bad_input
def test_too_short(client, write_wav):
    short = write_wav("short.wav", harmonic_tone(150, 16000, 0.05), 16000)
    response = upload(client, "short.wav", short.read_bytes())
    assert response.status_code == 422
    assert response.json() == {"detail": "short.wav: too short: 800 samples, need at least 2049 (0.128 s)"}


@pytest.mark.bad_input
def test_upload_over_the_limit(client):
    response = upload(client, "big.wav", b"\0" * (2 * 2**20 + 1))
    assert response.status_code == 413
    assert response.json() == {"detail": "upload is larger than the limit of 2097152 bytes"}
