"""Evidence files: recognised by their content, kept in the portal's storage (portal.storage)."""

import os
import secrets
from dataclasses import dataclass
from typing import IO

from flask import current_app

from portal.storage import storage

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


def save(stream: IO[bytes], file_type: FileType, province_code: int) -> str:
    """Store the upload under a random name and return its storage key."""
    key = f"evidence/{province_code}/{secrets.token_hex(16)}.{file_type.extension}"
    stream.seek(0)
    storage().save(key, stream)
    return key
