"""Hostile requests to `vgr serve` (issue 18), posted as raw multipart bytes straight to the ASGI app.

Not `requests`/`httpx` multipart encoding: they rewrite a NUL in a file name. The app is called without its
lifespan, so the analysis runs in a thread of this process, where the tests can watch the temporary folder.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
from pathlib import Path

import numpy as np
import pytest
import soundfile

pytest.importorskip("fastapi", reason="vgr serve needs the serve extra: pip install 'vgr[serve]'")

import vgr.serve.app as serve_app  # noqa: E402
from tests.conftest import harmonic_tone  # noqa: E402
from vgr.predict import load_model  # noqa: E402
from vgr.serve.app import create_app  # noqa: E402
from vgr.serve.upload import OVERHEAD  # noqa: E402

LIMIT = 2 * 2**20
BOUNDARY = b"vgr-test-boundary"


@pytest.fixture(scope="module")
def app():
    return create_app(load_model(), max_upload_bytes=LIMIT, workers=1)


@pytest.fixture(autouse=True)
def temporary_root(tmp_path, monkeypatch):
    """Every temporary file of the server goes under tmp_path/tmp, where the tests can see it."""
    root = tmp_path / "tmp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    return root


def disk_usage(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def part(name: bytes, content: bytes, filename: bytes | None = None) -> bytes:
    disposition = b'form-data; name="' + name + b'"' + (b'; filename="' + filename + b'"' if filename is not None else b"")
    return (b"--" + BOUNDARY + b"\r\nContent-Disposition: " + disposition +
            b"\r\nContent-Type: application/octet-stream\r\n\r\n" + content + b"\r\n")


def body(*parts: bytes) -> bytes:
    return b"".join(parts) + b"--" + BOUNDARY + b"--\r\n"


def call(app, chunks, *, length: int | None = None, content_type: bytes = b"multipart/form-data; boundary=" + BOUNDARY,
         watch: Path | None = None):
    """POST /api/predict with the body in ``chunks``: (status, JSON, body bytes the app read, peak disk in ``watch``)."""
    chunks = iter(chunks)
    read = {"bytes": 0, "peak": 0}
    headers = [(b"content-type", content_type)] + ([(b"content-length", str(length).encode())] if length is not None else [])
    pending = [next(chunks, None)]

    async def receive():
        chunk = pending[0]
        if chunk is None:
            return {"type": "http.disconnect"}
        pending[0] = next(chunks, None)
        read["bytes"] += len(chunk)
        if watch is not None:
            read["peak"] = max(read["peak"], disk_usage(watch))
        return {"type": "http.request", "body": chunk, "more_body": pending[0] is not None}

    sent = []

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": "/api/predict", "raw_path": b"/api/predict", "query_string": b"", "root_path": "",
             "headers": headers, "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000)}
    asyncio.run(app(scope, receive, send))
    payload = b"".join(message.get("body", b"") for message in sent if message["type"] == "http.response.body")
    return sent[0]["status"], json.loads(payload), read["bytes"], read["peak"]


def post(app, raw: bytes, **options):
    status, answer, _, _ = call(app, [raw], length=len(raw), **options)
    return status, answer


def wav(samples, rate: int = 16000, subtype: str = "PCM_16") -> bytes:
    import io

    buffer = io.BytesIO()
    soundfile.write(buffer, np.asarray(samples), rate, format="WAV", subtype=subtype)
    return buffer.getvalue()


VOICE = harmonic_tone(150, 16000, 1.0)


# --- 4: nothing of the client's file name reaches a path -----------------------------------------------

@pytest.mark.bad_input
@pytest.mark.parametrize("filename", [b"x.w\x00v", b"\x00", b"../../../etc/passwd.wav", b"/abs/x.wav",
                                      b"a" * 3000 + b".wav", b"x.\xff\xfe", b"x.wav\x00.sh"])
def test_client_file_names_never_build_a_path(app, temporary_root, filename):
    status, answer = post(app, body(part(b"file", wav(VOICE), filename)))
    assert status == 200, answer
    assert answer["label"] in ("male", "female")
    assert answer["file"] == filename.decode("utf-8", "replace")
    assert list(temporary_root.rglob("*")) == []  # the request's folder is gone


# --- 5: the limit bounds what is read and stored; one copy on disk ------------------------------------

@pytest.mark.bad_input
def test_declared_length_over_the_limit_is_refused_before_reading(app):
    status, answer, read, _ = call(app, iter(lambda: b"\0" * 2**20, None), length=10 * 2**30)
    assert (status, answer) == (413, {"detail": f"upload is larger than the limit of {LIMIT} bytes"})
    assert read == 0


@pytest.mark.bad_input
def test_streamed_body_is_cut_off_at_the_limit(app, temporary_root):
    head = part(b"file", b"", b"big.wav")[:-2]  # the part's headers; its content follows, never ending
    chunks = [head, *(b"\0" * 2**18 for _ in range(4000))]  # ~1 GB if it were all read
    status, answer, read, peak = call(app, chunks, watch=temporary_root)
    assert (status, answer) == (413, {"detail": f"upload is larger than the limit of {LIMIT} bytes"})
    assert read <= LIMIT + 2**18 + len(head)
    assert peak <= LIMIT
    assert list(temporary_root.rglob("*")) == []


@pytest.mark.bad_input
def test_many_small_fields_count_towards_the_limit(app):
    filler = part(b"other", b"x" * 2**16)
    chunks = [filler] * 200 + [part(b"file", wav(VOICE), b"v.wav"), b"--" + BOUNDARY + b"--\r\n"]
    status, answer, read, _ = call(app, chunks)
    assert status == 413 and read <= LIMIT + OVERHEAD + len(filler)


def test_an_upload_is_on_disk_once(app, temporary_root, monkeypatch):
    seen = []
    measure = serve_app._measure

    def watching(path, voiceprint):
        seen.append((disk_usage(temporary_root), sorted(p.name for p in temporary_root.rglob("*") if p.is_file())))
        return measure(path, voiceprint)

    monkeypatch.setattr(serve_app, "_measure", watching)
    content = wav(VOICE)
    status, _ = post(app, body(part(b"note", b"hello"), part(b"file", content, b"voice.WAV")))
    assert status == 200
    assert seen == [(len(content), ["upload.wav"])]


# --- 10: the documented status codes, always with a string detail --------------------------------------

@pytest.mark.bad_input
def test_a_file_field_without_a_filename_is_400_with_a_string_detail(app):
    status, answer = post(app, body(part(b"file", wav(VOICE))))
    assert (status, answer) == (400, {"detail": "the 'file' field is not a file upload (its part has no filename)"})


@pytest.mark.bad_input
@pytest.mark.parametrize("raw, content_type, detail", [
    (b"", b"multipart/form-data; boundary=" + BOUNDARY, "no file uploaded"),
    (b"--" + BOUNDARY + b"\r\nX: " + b"y" * 10000 + b"\r\n\r\n", b"multipart/form-data; boundary=" + BOUNDARY,
     "malformed multipart body"),
    (b"file=abc", b"application/x-www-form-urlencoded", "no file uploaded"),
    (b"--x--\r\n", b"multipart/form-data", "no file uploaded"),
])
def test_malformed_requests_are_400(app, raw, content_type, detail):
    status, answer = post(app, raw, content_type=content_type)
    assert status == 400 and isinstance(answer["detail"], str) and answer["detail"].startswith(detail)


@pytest.mark.bad_input
@pytest.mark.parametrize("content, status, detail", [
    (wav(np.where(np.arange(16000) == 10, np.nan, VOICE), subtype="FLOAT"), 422, "signal contains NaN or infinite samples"),
    (wav(np.where(np.arange(16000) == 10, np.inf, VOICE), subtype="FLOAT"), 422, "signal contains NaN or infinite samples"),
    (wav(harmonic_tone(150, 2000, 2.0), rate=2000), 422, "sample rate 2000 Hz is not supported (need a whole number >= 2001)"),
    (wav(harmonic_tone(150, 286720, 0.05), rate=286720), 422,
     "sample rate 286720 Hz is not supported (the highest is 192000 Hz)"),
    (wav(VOICE[:1000]), 422, "too short: 1000 samples, need at least 2049 (0.128 s)"),
    (b"RIFF not really", 415, "cannot decode audio (Format not recognised.)"),
])
def test_status_codes_match_the_readme(app, content, status, detail):
    assert post(app, body(part(b"file", content, b"x.wav"))) == (status, {"detail": f"x.wav: {detail}"})
