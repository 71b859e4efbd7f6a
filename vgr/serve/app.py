"""The ASGI app: ``POST /api/predict``, ``GET /api/health``, ``GET /`` (one static page).

Extraction runs in a process pool, off the event loop, so concurrent requests do not wait on each other.
Bad input always gets a 4xx JSON ``{"detail": ...}``, never a 500.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import tempfile
from concurrent.futures import ProcessPoolExecutor
from contextlib import asynccontextmanager
from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse

from vgr import __version__
from vgr.errors import AudioError, NoVoicedAudioError, TooShortError

MAX_UPLOAD_BYTES = 25 * 2**20
CHUNK = 2**20


class BadUpload(Exception):
    def __init__(self, status: int, detail: str) -> None:
        self.status, self.detail = status, detail


def _measure(path: str, voiceprint: bool):
    """In a worker process: (features, seconds, embedding) or (None, reason, kind)."""
    from vgr.batch import measure

    try:
        return measure(path, voiceprint)
    except (TooShortError, NoVoicedAudioError) as error:
        return None, error.reason, "unprocessable"
    except AudioError as error:
        return None, error.reason, "unreadable"
    except Exception as error:  # a decoder failure is still the upload's problem, not a server error
        return None, f"cannot analyse ({type(error).__name__}: {error})".splitlines()[0], "unreadable"


async def _save_upload(upload: UploadFile, folder: str, limit: int) -> str:
    """Stream the upload to a temporary file, refusing it as soon as it passes ``limit`` bytes."""
    suffix = Path(upload.filename or "").suffix.lower()[:8]
    handle, path = tempfile.mkstemp(suffix=suffix, dir=folder)
    size = 0
    with os.fdopen(handle, "wb") as stream:
        while chunk := await upload.read(CHUNK):
            size += len(chunk)
            if size > limit:
                raise BadUpload(413, f"upload is larger than the limit of {limit} bytes")
            stream.write(chunk)
    if size == 0:
        raise BadUpload(400, "the uploaded file is empty")
    return path


def create_app(model, *, max_upload_bytes: int = MAX_UPLOAD_BYTES, workers: int = 2) -> FastAPI:
    """The app around an already loaded ``model`` (anything with ``predict(list of feature dicts)``)."""
    pool: dict[str, ProcessPoolExecutor] = {}
    from vgr.predict import embedding_rows, uses_voiceprint

    voiceprint = uses_voiceprint(model)

    @asynccontextmanager
    async def lifespan(app):
        # spawn, not fork: forking a server process that runs threads (uvicorn, test clients) can deadlock.
        pool["extract"] = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
        try:
            yield
        finally:
            pool.pop("extract").shutdown(cancel_futures=True)

    app = FastAPI(title="vgr", version=__version__, lifespan=lifespan,
                  description="Voice gender recognition: upload a recording, get male or female with a probability.")
    medians = json.loads((files("vgr.serve") / "medians.json").read_text())
    page = (files("vgr.serve") / "page.html").read_text()

    @app.exception_handler(BadUpload)
    async def bad_upload(request: Request, error: BadUpload):
        return JSONResponse(status_code=error.status, content={"detail": error.detail})

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def index() -> str:
        return page

    @app.get("/api/health")
    async def health() -> dict:
        return {"status": "ok", "version": __version__, "members": len(model.members),
                "features": list(model.feature_names), "voiceprint": voiceprint}

    @app.get("/api/medians")
    async def class_medians() -> dict:
        """voice.csv's median of each feature per class, to compare a recording with."""
        return medians

    @app.post("/api/predict")
    async def predict(file: UploadFile | None = None) -> dict:
        """Multipart upload under the field name ``file``: the keys of ``vgr predict --format json`` plus ``features``."""
        if file is None:
            raise BadUpload(400, "no file uploaded (send multipart/form-data with a 'file' field)")
        with tempfile.TemporaryDirectory(prefix="vgr-serve-") as folder:
            path = await _save_upload(file, folder, max_upload_bytes)
            loop = asyncio.get_running_loop()
            executor = pool.get("extract")
            features, seconds, extra = await loop.run_in_executor(executor, _measure, path, voiceprint)
        name = file.filename or "upload"
        if features is None:
            status = 422 if extra == "unprocessable" else 415
            raise BadUpload(status, f"{name}: {seconds}")
        prediction = model.predict([features], embedding_rows(extra))[0]
        return {
            "file": name,
            "label": prediction.label,
            "probability": prediction.probability,
            "p_male": prediction.p_male,
            "votes": f"{prediction.votes}/{prediction.members}",
            "seconds": seconds,
            "status": "ok",
            "features": features,
        }

    return app


def run(model_dir: str | None, host: str, port: int, max_upload_bytes: int) -> None:
    """Load the model once and serve until interrupted."""
    import uvicorn

    from vgr.predict import load_model

    uvicorn.run(create_app(load_model(model_dir), max_upload_bytes=max_upload_bytes), host=host, port=port,
                log_level="info")
