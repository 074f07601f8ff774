"""Evidence files: recognised by their content, stored under the instance folder."""

import os
import secrets
from dataclasses import dataclass
from typing import IO

from flask import current_app

#: Per-file limit; the request as a whole may be a little larger (form fields, multipart).
DEFAULT_MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class FileType:
    extension: str
    mimetype: str


PNG = FileType("png", "image/png")
JPEG = FileType("jpg", "image/jpeg")
WEBP = FileType("webp", "image/webp")
PDF = FileType("pdf", "application/pdf")


def detect_type(head: bytes) -> FileType | None:
    """Return the type of a file from its first bytes, or None if it is not an accepted type."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"%PDF-"):
        return PDF
    return None


def stream_size(stream: IO[bytes]) -> int:
    """Return the size of a seekable upload stream, leaving it at its start."""
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    return size


def max_bytes() -> int:
    return int(current_app.config.get("EVIDENCE_MAX_BYTES") or DEFAULT_MAX_BYTES)


def upload_folder() -> str:
    """Return the folder evidence files live in (``UPLOAD_FOLDER``, default instance/uploads)."""
    return current_app.config.get("UPLOAD_FOLDER") or os.path.join(
        current_app.instance_path, "uploads"
    )


def save(stream: IO[bytes], file_type: FileType, province_code: int) -> str:
    """Store the upload under a random name and return its path relative to the upload folder."""
    relative = os.path.join(
        "evidence", str(province_code), f"{secrets.token_hex(16)}.{file_type.extension}"
    )
    target = os.path.join(upload_folder(), relative)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    stream.seek(0)
    with open(target, "wb") as out:
        while chunk := stream.read(64 * 1024):
            out.write(chunk)
    return relative


def absolute_path(relative: str) -> str:
    """Return where a stored file lives, refusing anything that would leave the upload folder."""
    root = os.path.realpath(upload_folder())
    target = os.path.realpath(os.path.join(root, relative))
    if os.path.commonpath([root, target]) != root:
        raise ValueError("evidence path outside the upload folder")
    return target
