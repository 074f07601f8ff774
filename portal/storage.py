"""Where uploaded files live: a folder on this server, or an S3-compatible bucket.

One server can keep files in a folder (``STORAGE_BACKEND=local``, ``UPLOAD_FOLDER``); several app
servers share a bucket (``STORAGE_BACKEND=s3``: AWS S3, MinIO, Ceph and the like). Callers name a
file by a relative key such as ``evidence/22/<hex>.png`` and never see which backend holds it.
"""

import abc
import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO, Any, cast

from flask import Flask, current_app

CHUNK_BYTES = 64 * 1024

#: A key is relative, in "/"-separated parts of letters, digits, "-", "_" and ".", none of which
#: is "." or "..": it can neither leave the folder nor mean two things to two backends.
_KEY_PART = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*")


class StorageError(OSError):
    """The backend could not do what was asked (unreachable, refused, timed out)."""


def check_key(key: str) -> str:
    """Return ``key`` if it is a safe relative key, else raise ValueError."""
    parts = key.split("/")
    if not key or len(key) > 512 or any(not _KEY_PART.fullmatch(p) or p == ".." for p in parts):
        raise ValueError(f"not a storage key: {key!r}")
    return key


@dataclass
class StoredFile:
    """An opened stored file: read ``stream``; ``size`` in bytes when the backend knows it."""

    stream: IO[bytes]
    size: int | None = None

    def close(self) -> None:
        self.stream.close()

    def __enter__(self) -> "StoredFile":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


class Storage(abc.ABC):
    """Files by key. Every method raises ValueError for a key that is not safe."""

    @abc.abstractmethod
    def save(self, key: str, stream: IO[bytes]) -> None:
        """Store what ``stream`` holds from its current position under ``key`` (replacing it)."""

    @abc.abstractmethod
    def open(self, key: str) -> StoredFile:
        """Open the file under ``key`` for reading; FileNotFoundError if there is none."""

    @abc.abstractmethod
    def delete(self, key: str) -> None:
        """Delete the file under ``key``; a key with no file is not an error."""

    @abc.abstractmethod
    def exists(self, key: str) -> bool:
        """Tell whether a file is stored under ``key``."""


class LocalStorage(Storage):
    """Files in a folder of this server's disk (one app server, or a shared mount)."""

    def __init__(self, root: str) -> None:
        self.root = os.path.realpath(root)

    def path(self, key: str) -> str:
        """Return where ``key`` lives, refusing anything that would leave the root folder."""
        target = os.path.realpath(os.path.join(self.root, check_key(key)))
        if os.path.commonpath([self.root, target]) != self.root:
            raise ValueError(f"storage key outside the folder: {key!r}")
        return target

    def save(self, key: str, stream: IO[bytes]) -> None:
        target = self.path(key)
        folder = os.path.dirname(target)
        os.makedirs(folder, exist_ok=True)
        # Written beside its place and renamed: a reader never sees half a file.
        handle, partial = tempfile.mkstemp(dir=folder, prefix=".partial-")
        try:
            with os.fdopen(handle, "wb") as out:
                shutil.copyfileobj(stream, out, CHUNK_BYTES)
            os.replace(partial, target)
        except BaseException:
            os.unlink(partial)
            raise

    def open(self, key: str) -> StoredFile:
        stream = open(self.path(key), "rb")  # noqa: SIM115  (the caller closes it)
        return StoredFile(stream, os.fstat(stream.fileno()).st_size)

    def delete(self, key: str) -> None:
        target = self.path(key)
        with contextlib.suppress(FileNotFoundError):
            os.remove(target)

    def exists(self, key: str) -> bool:
        return os.path.isfile(self.path(key))


class S3Storage(Storage):
    """Files in an S3 bucket, or on an S3-compatible server (``endpoint_url``).

    Credentials come the way boto3 finds them: ``AWS_ACCESS_KEY_ID`` and
    ``AWS_SECRET_ACCESS_KEY`` in the environment, a profile, or an instance role.
    """

    def __init__(
        self,
        bucket: str,
        *,
        prefix: str = "",
        endpoint_url: str | None = None,
        region: str | None = None,
        timeout: float = 10.0,
        attempts: int = 3,
    ) -> None:
        # Only this backend needs boto3 (the optional extra "s3").
        import boto3
        from botocore.config import Config
        from botocore.exceptions import BotoCoreError, ClientError

        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        config = Config(
            connect_timeout=timeout,
            read_timeout=timeout,
            retries={"max_attempts": attempts, "mode": "standard"},
            # S3-compatible servers (MinIO and most others) answer on one host name with
            # the bucket in the path; AWS itself works either way.
            s3={"addressing_style": "path" if endpoint_url else "auto"},
            # Checksums only where S3 requires them: many S3-compatible servers refuse the
            # extra checksum headers boto3 sends by default since 1.36.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        # A session of our own: boto3's default session is not safe to share between threads.
        self.client = boto3.session.Session().client(
            "s3", endpoint_url=endpoint_url, region_name=region, config=config
        )
        self._errors = (BotoCoreError, ClientError)

    def object_key(self, key: str) -> str:
        return self.prefix + check_key(key)

    def save(self, key: str, stream: IO[bytes]) -> None:
        try:
            # One request (evidence files are a few MB); botocore rewinds the body to retry.
            self.client.put_object(Bucket=self.bucket, Key=self.object_key(key), Body=stream)
        except self._errors as error:
            raise StorageError(f"could not store {key}: {error}") from error

    def open(self, key: str) -> StoredFile:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.object_key(key))
        except self._errors as error:
            if _is_missing(error):
                raise FileNotFoundError(key) from error
            raise StorageError(f"could not read {key}: {error}") from error
        # A StreamingBody: a readable io.IOBase, all that readers of a stored file use.
        return StoredFile(cast(IO[bytes], answer["Body"]), answer.get("ContentLength"))

    def delete(self, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self.object_key(key))
        except self._errors as error:
            if not _is_missing(error):
                raise StorageError(f"could not delete {key}: {error}") from error

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self.object_key(key))
        except self._errors as error:
            if _is_missing(error):
                return False
            raise StorageError(f"could not look for {key}: {error}") from error
        return True


def _is_missing(error: Exception) -> bool:
    response: dict[str, Any] = getattr(error, "response", None) or {}
    return response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound")


BACKENDS = ("local", "s3")


def _settings(app: Flask) -> tuple[Any, ...]:
    config = app.config
    return (
        config.get("STORAGE_BACKEND") or "local",
        config.get("UPLOAD_FOLDER") or os.path.join(app.instance_path, "uploads"),
        config.get("S3_BUCKET"),
        config.get("S3_PREFIX") or "",
        config.get("S3_ENDPOINT_URL"),
        config.get("S3_REGION"),
        float(config.get("S3_TIMEOUT_SECONDS") or 10),
    )


def create_storage(settings: Mapping[str, Any], instance_path: str) -> Storage:
    """Return the backend the settings name."""
    backend = settings.get("STORAGE_BACKEND") or "local"
    if backend == "local":
        return LocalStorage(settings.get("UPLOAD_FOLDER") or os.path.join(instance_path, "uploads"))
    if backend == "s3":
        if not settings.get("S3_BUCKET"):
            raise RuntimeError("STORAGE_BACKEND=s3 needs S3_BUCKET")
        return S3Storage(
            settings["S3_BUCKET"],
            prefix=settings.get("S3_PREFIX") or "",
            endpoint_url=settings.get("S3_ENDPOINT_URL") or None,
            region=settings.get("S3_REGION") or None,
            timeout=float(settings.get("S3_TIMEOUT_SECONDS") or 10),
        )
    raise RuntimeError(f"STORAGE_BACKEND must be one of {', '.join(BACKENDS)}, not {backend!r}")


def storage(app: Flask | None = None) -> Storage:
    """Return the app's storage, made once from its settings (and again if they change)."""
    # current_app is a proxy typed as the Flask app it stands for: mypy does not see its method.
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    settings = _settings(app)
    made = app.extensions.get("portal.storage")
    if made is None or made[0] != settings:
        made = (settings, create_storage(app.config, app.instance_path))
        app.extensions["portal.storage"] = made
    return made[1]
