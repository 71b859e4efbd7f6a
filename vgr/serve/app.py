"""The ASGI app: ``POST /api/predict``, ``POST /api/segment``, ``GET /api/health``, ``GET /`` (one static page).

Extraction runs in a process pool, off the event loop, so concurrent requests do not wait on each other.
Bad input always gets a 4xx JSON ``{"detail": ...}``, never a 500: 400 no, empty or malformed upload, 413 over
the size limit, 415 not decodable as audio, 422 decodable but not analysable (too short, no voiced audio,
NaN or infinite samples, an unsupported sample rate).
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import tempfile
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import asynccontextmanager
from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse

from vgr import __version__
from vgr.errors import AudioError, UnreadableAudioError
from vgr.serve.upload import BadUpload, receive_upload

MAX_UPLOAD_BYTES = 25 * 2**20
UPLOAD_SCHEMA = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"], "properties": {"file": {"type": "string", "format": "binary"}}}}}}}


def _measure(path: str, voiceprint: bool):
    """In a worker process: (features, seconds, embedding) or (None, reason, HTTP status)."""
    from vgr.runs.batch import measure
    from vgr.voiceprint.encoder import embed

    try:
        return measure(path, embed if voiceprint else None)
    except UnreadableAudioError as error:
        return None, error.reason, 415
    except AudioError as error:  # decoded, but not something the analysis can take
        return None, error.reason, 422
    except MemoryError:
        return None, "cannot be analysed (out of memory)", 422
    except Exception as error:  # an unforeseen failure is still this upload's problem, not a server error
        return None, f"cannot be analysed ({type(error).__name__})", 422


def _segment(path: str, model):
    """In a worker process: (summary and segments as ``vgr segment --format json`` gives a file, None) or
    (None, (HTTP status, reason))."""
    from vgr.segment import segment_file
    from vgr.segment.output import as_json

    try:
        return json.loads(as_json([segment_file(path, model)]))["files"][0], None
    except UnreadableAudioError as error:
        return None, (415, error.reason)
    except AudioError as error:
        return None, (422, error.reason)
    except MemoryError:
        return None, (422, "cannot be analysed (out of memory)")
    except Exception as error:  # an unforeseen failure is still this upload's problem, not a server error
        return None, (422, f"cannot be analysed ({type(error).__name__})")


def create_app(model, *, max_upload_bytes: int = MAX_UPLOAD_BYTES, workers: int = 2) -> FastAPI:
    """The app around an already loaded ``model`` (anything with ``predict(list of feature dicts)``)."""
    pool: dict[str, ProcessPoolExecutor] = {}
    from vgr.predict import embedding_rows, uses_voiceprint

    voiceprint = uses_voiceprint(model)

    def start_pool() -> None:
        # spawn, not fork: forking a server process that runs threads (uvicorn, test clients) can deadlock.
        pool["extract"] = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))

    @asynccontextmanager
    async def lifespan(app):
        start_pool()
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
        # After a 413 the rest of the body is not wanted: closing the connection stops the client sending it.
        headers = {"connection": "close"} if error.status == 413 else None
        return JSONResponse(status_code=error.status, content={"detail": error.detail}, headers=headers)

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

    @app.post("/api/predict", openapi_extra=UPLOAD_SCHEMA)
    async def predict(request: Request) -> dict:
        """Multipart upload under the field name ``file``: the keys of ``vgr predict --format json`` plus ``features``."""
        with tempfile.TemporaryDirectory(prefix="vgr-serve-") as folder:
            path, name = await receive_upload(request, folder, max_upload_bytes)
            loop = asyncio.get_running_loop()
            try:
                features, seconds, extra = await loop.run_in_executor(pool.get("extract"), _measure, str(path), voiceprint)
            except BrokenProcessPool:  # a worker was killed (e.g. by the kernel's OOM killer): start afresh
                pool.pop("extract").shutdown(wait=False, cancel_futures=True)
                start_pool()
                raise BadUpload(503, "the analysis process stopped; try again") from None
        name = name or "upload"
        if features is None:
            raise BadUpload(extra, f"{name}: {seconds}")
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

    @app.post("/api/segment", openapi_extra=UPLOAD_SCHEMA)
    async def segment(request: Request) -> dict:
        """Multipart upload under ``file``: its male and female speech segments and each sex's share, as
        ``vgr segment --format json`` gives one file."""
        with tempfile.TemporaryDirectory(prefix="vgr-serve-") as folder:
            path, name = await receive_upload(request, folder, max_upload_bytes)
            loop = asyncio.get_running_loop()
            try:
                result, problem = await loop.run_in_executor(pool.get("extract"), _segment, str(path), model)
            except BrokenProcessPool:
                pool.pop("extract").shutdown(wait=False, cancel_futures=True)
                start_pool()
                raise BadUpload(503, "the analysis process stopped; try again") from None
        name = name or "upload"
        if result is None:
            raise BadUpload(problem[0], f"{name}: {problem[1]}")
        return {**result, "file": name}

    return app


def run(model_dir: str | None, host: str, port: int, max_upload_bytes: int) -> None:
    """Load the model once and serve until interrupted."""
    import uvicorn

    from vgr.predict import load_model

    uvicorn.run(create_app(load_model(model_dir), max_upload_bytes=max_upload_bytes), host=host, port=port,
                log_level="info")
