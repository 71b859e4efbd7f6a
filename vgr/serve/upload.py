"""Receiving the one uploaded file of ``POST /api/predict``: checked while it streams in, one copy on disk.

The multipart body is parsed as it arrives (python-multipart's streaming parser, the one Starlette uses), so
the size limit bounds what is read and written, not just what is accepted: a ``Content-Length`` over the limit
is refused before the body is read, and a streamed body as soon as it passes the limit. The ``file`` part goes
straight to a file whose name vgr chooses (``upload`` plus the client's suffix only if it is a known audio
suffix); every other part is read and dropped.
"""

from __future__ import annotations

from pathlib import Path

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from vgr.features.audio import AUDIO_SUFFIXES

FIELD = b"file"
# Boundaries and part headers a body may hold beyond the file's own bytes.
OVERHEAD = 64 * 2**10
MAX_HEADER_SIZE = 4096
MAX_HEADERS = 8


class BadUpload(Exception):
    """A request the API refuses: an HTTP status and a one-line ``detail``."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status, self.detail = status, detail


def too_large(limit: int) -> BadUpload:
    return BadUpload(413, f"upload is larger than the limit of {limit} bytes")


def check_length(headers, limit: int) -> None:
    """Refuse a body whose declared length is over the limit, before reading any of it."""
    declared = headers.get("content-length")
    if declared is None:
        return
    if not declared.isdigit():
        raise BadUpload(400, "the Content-Length header is not a number")
    if int(declared) > limit + OVERHEAD:
        raise too_large(limit)


def boundary(headers) -> bytes:
    kind, options = parse_options_header(headers.get("content-type"))
    if kind != b"multipart/form-data" or not options.get(b"boundary"):
        raise BadUpload(400, "no file uploaded (send multipart/form-data with a 'file' field)")
    return options[b"boundary"]


def safe_suffix(filename: str) -> str:
    """The client's suffix if it is a known audio suffix, else none: no part of a path comes from the client."""
    suffix = Path(filename.replace("\0", "")).suffix.lower()
    return suffix if suffix in AUDIO_SUFFIXES else ""


class _Receiver:
    """python-multipart callbacks: the first ``file`` part to ``folder/upload<suffix>``, the rest dropped."""

    def __init__(self, folder: str, limit: int) -> None:
        self.folder, self.limit = Path(folder), limit
        self.path: Path | None = None
        self.filename: str | None = None
        self.size = 0
        self._stream = None
        self._headers: dict[bytes, bytes] = {}
        self._field = self._value = b""

    def callbacks(self) -> dict:
        return {"on_part_begin": self._part_begin, "on_header_field": self._header_field,
                "on_header_value": self._header_value, "on_header_end": self._header_end,
                "on_headers_finished": self._headers_finished, "on_part_data": self._data, "on_part_end": self._part_end}

    def _part_begin(self) -> None:
        self._headers, self._field, self._value = {}, b"", b""

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def _header_end(self) -> None:
        self._headers[self._field.lower()] = self._value
        self._field = self._value = b""

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition"))
        if options.get(b"name") != FIELD or self.path is not None:
            return
        if b"filename" not in options:
            raise BadUpload(400, "the 'file' field is not a file upload (its part has no filename)")
        self.filename = options[b"filename"].decode("utf-8", "replace")
        self.path = self.folder / f"upload{safe_suffix(self.filename)}"
        self._stream = self.path.open("xb")

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self._stream is None:
            return
        self.size += end - start
        if self.size > self.limit:
            raise too_large(self.limit)
        self._stream.write(data[start:end])

    def _part_end(self) -> None:
        self.close()

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()
            self._stream = None


async def receive_upload(request, folder: str, limit: int) -> tuple[Path, str]:
    """(path of the saved file, the client's file name); ``BadUpload`` for anything else."""
    check_length(request.headers, limit)
    receiver = _Receiver(folder, limit)
    parser = MultipartParser(boundary(request.headers), receiver.callbacks(),
                             max_header_count=MAX_HEADERS, max_header_size=MAX_HEADER_SIZE)
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > limit + OVERHEAD:
                raise too_large(limit)
            parser.write(chunk)
        parser.finalize()
    except MultipartParseError as error:
        raise BadUpload(400, f"malformed multipart body ({error})".splitlines()[0]) from None
    finally:
        receiver.close()
    if receiver.path is None:
        raise BadUpload(400, "no file uploaded (send multipart/form-data with a 'file' field)")
    if receiver.size == 0:
        raise BadUpload(400, "the uploaded file is empty")
    return receiver.path, receiver.filename
