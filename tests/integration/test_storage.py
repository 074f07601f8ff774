"""Uploaded files through one storage interface: a local folder, or an S3-compatible bucket.

The S3 backend is tested against a real S3-compatible server (moto's, started here on a free
loopback port in its own process), with the same contract as the folder, and end to end: an
evidence file uploaded through the form is served to the trainer, exported and deleted.
"""

import io
import os
import socket
import subprocess
import sys
import time
import uuid
import zipfile
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from portal.auth.models import Role
from portal.businesses.models import BusinessKind
from portal.config import check_settings
from portal.extensions import db
from portal.onboarding.models import Evidence
from portal.storage import LocalStorage, S3Storage, Storage, StorageError, storage
from tests.conftest import HA_NOI, PASSWORD
from tests.factories import start_path, upload_evidence

boto3 = pytest.importorskip("boto3")
pytest.importorskip("moto.server")

PNG = b"\x89PNG\r\n\x1a\n" + os.urandom(4096)

#: The storage contract reads and writes files, never the database: SQLite pass only. The
#: end-to-end tests below (uploads through the forms, erasure) run on both engines.
INDEPENDENT = pytest.mark.engine_independent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory) -> Iterator[str]:
    """Start moto's S3-compatible server in its own process; return its address."""
    port = _free_port()
    log = open(tmp_path_factory.mktemp("moto") / "server.log", "wb")  # noqa: SIM115
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(300):  # at most about 30 s on a busy machine
            if server.poll() is not None:
                pytest.fail(f"moto server exited with {server.returncode}; see {log.name}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail(f"moto server did not listen on port {port}; see {log.name}")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


@pytest.fixture
def s3_env(monkeypatch, tmp_path) -> None:
    """Dummy credentials for this test, and nothing from the machine's own AWS settings."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
def bucket(s3_endpoint, s3_env) -> str:
    """Create an empty bucket of this test's own; return its name."""
    name = f"portal-{uuid.uuid4().hex[:12]}"
    s3_client(s3_endpoint).create_bucket(Bucket=name)
    return name


def s3_client(endpoint: str):
    return boto3.session.Session().client("s3", endpoint_url=endpoint, region_name="us-east-1")


def bucket_keys(endpoint: str, bucket: str) -> list[str]:
    answer = s3_client(endpoint).list_objects_v2(Bucket=bucket)
    return sorted(item["Key"] for item in answer.get("Contents", []))


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path) -> Storage:
    if request.param == "local":
        return LocalStorage(str(tmp_path / "uploads"))
    endpoint = request.getfixturevalue("s3_endpoint")
    name = request.getfixturevalue("bucket")
    return S3Storage(name, prefix="portal/", endpoint_url=endpoint, region="us-east-1")


# ------------------------------------------------------------------- the contract, both backends


@INDEPENDENT
def test_a_saved_file_reads_back_the_same_bytes(store):
    assert not store.exists("evidence/22/a.png")
    store.save("evidence/22/a.png", io.BytesIO(PNG))
    assert store.exists("evidence/22/a.png")
    with store.open("evidence/22/a.png") as stored:
        assert stored.stream.read() == PNG
        assert stored.size in (len(PNG), None)


@INDEPENDENT
def test_saving_reads_from_where_the_stream_stands_and_replaces_what_was_there(store):
    store.save("evidence/22/a.pdf", io.BytesIO(b"old"))
    stream = io.BytesIO(b"skip%PDF-1.7 new")
    stream.seek(4)
    store.save("evidence/22/a.pdf", stream)
    with store.open("evidence/22/a.pdf") as stored:
        assert stored.stream.read() == b"%PDF-1.7 new"


@INDEPENDENT
def test_a_file_of_several_megabytes_round_trips(store):
    content = os.urandom(5 * 2**20 + 3)
    store.save("evidence/1/big.pdf", io.BytesIO(content))
    with store.open("evidence/1/big.pdf") as stored:
        read = b"".join(iter(lambda: stored.stream.read(65536), b""))
    assert read == content


@INDEPENDENT
def test_a_missing_file_is_not_found_and_deleting_it_is_no_error(store):
    with pytest.raises(FileNotFoundError):
        store.open("evidence/22/none.png")
    store.delete("evidence/22/none.png")
    store.save("evidence/22/gone.png", io.BytesIO(PNG))
    store.save("evidence/22/kept.png", io.BytesIO(PNG))
    store.delete("evidence/22/gone.png")
    assert not store.exists("evidence/22/gone.png")
    assert store.exists("evidence/22/kept.png")
    with pytest.raises(FileNotFoundError):
        store.open("evidence/22/gone.png")


@pytest.mark.parametrize(
    "key",
    ["../x.png", "/etc/passwd", "evidence/../../x", "evidence//x", "", "a\\..\\b", "./x", "x/."],
)
@INDEPENDENT
def test_keys_that_could_leave_the_store_are_refused(store, key):
    for call in (
        lambda: store.save(key, io.BytesIO(PNG)),
        lambda: store.open(key),
        lambda: store.delete(key),
        lambda: store.exists(key),
    ):
        with pytest.raises(ValueError):
            call()


@INDEPENDENT
def test_a_link_out_of_the_folder_is_refused(tmp_path):
    (tmp_path / "secret.txt").write_text("not yours")
    store = LocalStorage(str(tmp_path / "uploads"))
    os.makedirs(tmp_path / "uploads" / "evidence")
    os.symlink(tmp_path / "secret.txt", tmp_path / "uploads" / "evidence" / "x.png")
    with pytest.raises(ValueError):
        store.open("evidence/x.png")


@INDEPENDENT
def test_objects_live_under_the_prefix_in_the_bucket(s3_endpoint, bucket):
    store = S3Storage(bucket, prefix="/portal/", endpoint_url=s3_endpoint, region="us-east-1")
    store.save("evidence/22/a.png", io.BytesIO(PNG))
    assert bucket_keys(s3_endpoint, bucket) == ["portal/evidence/22/a.png"]
    unprefixed = S3Storage(bucket, endpoint_url=s3_endpoint, region="us-east-1")
    assert not unprefixed.exists("evidence/22/a.png")


@INDEPENDENT
def test_an_unreachable_server_is_a_storage_error_not_a_missing_file(s3_env):
    store = S3Storage(
        "portal",
        endpoint_url=f"http://127.0.0.1:{_free_port()}",
        region="us-east-1",
        timeout=2,
        attempts=1,
    )
    with pytest.raises(StorageError):
        store.open("evidence/22/a.png")
    with pytest.raises(StorageError):
        store.delete("evidence/22/a.png")


# ------------------------------------------------------------------------------- settings


def test_the_app_keeps_one_storage_and_makes_another_when_the_settings_change(
    app, tmp_path, monkeypatch, s3_endpoint, bucket
):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))
    with app.app_context():
        local = storage()
        assert isinstance(local, LocalStorage) and storage() is local
        assert local.root == os.path.realpath(tmp_path / "uploads")
        monkeypatch.setitem(app.config, "STORAGE_BACKEND", "s3")
        monkeypatch.setitem(app.config, "S3_BUCKET", bucket)
        monkeypatch.setitem(app.config, "S3_ENDPOINT_URL", s3_endpoint)
        shared = storage()
        assert isinstance(shared, S3Storage) and storage() is shared
        assert shared.bucket == bucket


@INDEPENDENT
def test_production_refuses_an_s3_backend_without_a_bucket():
    production = {
        "ENV_NAME": "production",
        "SECRET_KEY": "k" * 40,
        "PORTAL_BASE_URL": "https://portal.example.vn",
        "STORAGE_BACKEND": "s3",
        "S3_BUCKET": None,
    }
    with pytest.raises(RuntimeError, match="S3_BUCKET"):
        check_settings(production)
    with pytest.raises(RuntimeError, match="STORAGE_BACKEND"):
        check_settings(production | {"STORAGE_BACKEND": "ftp"})
    check_settings(production | {"S3_BUCKET": "portal-evidence"})
    check_settings(production | {"STORAGE_BACKEND": "local"})


# --------------------------------------------------------------- end to end, on the bucket


@pytest.fixture
def s3_app(app, tmp_path, monkeypatch, s3_endpoint, bucket):
    """The portal with its files in this test's bucket (and a local folder that must stay empty)."""
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))
    monkeypatch.setitem(app.config, "STORAGE_BACKEND", "s3")
    monkeypatch.setitem(app.config, "S3_BUCKET", bucket)
    monkeypatch.setitem(app.config, "S3_ENDPOINT_URL", s3_endpoint)
    monkeypatch.setitem(app.config, "S3_REGION", "us-east-1")
    monkeypatch.setitem(app.config, "S3_PREFIX", "portal")
    return app


def test_evidence_in_the_bucket_is_served_exported_and_deleted_with_the_account(
    s3_app, client, auth, make_user, make_business, tmp_path, s3_endpoint, bucket
):
    owner = make_user()
    business = make_business(owner=owner, kind=BusinessKind.HOUSEHOLD)
    auth.login(owner)
    onboarding_id = start_path(client, business)
    assert upload_evidence(client, onboarding_id, PNG, name="gian hàng.png").status_code == 302
    with s3_app.app_context():
        evidence = db.session.scalars(sa.select(Evidence)).one()
        evidence_id, key = evidence.id, evidence.file_path
    assert key.startswith("evidence/") and key.endswith(".png")
    assert bucket_keys(s3_endpoint, bucket) == [f"portal/{key}"]
    assert not (tmp_path / "uploads").exists()

    # A trainer of the province opens it through the portal: same bytes, same headers.
    auth.logout()
    auth.login(make_user(role=Role.TRAINER))
    with client.get(f"/onboarding/evidence/{evidence_id}/file") as response:
        assert response.status_code == 200
        assert response.data == PNG
        assert response.mimetype == "image/png"
        assert response.content_length == len(PNG)
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Disposition"].startswith("inline;")
        assert "filename*=UTF-8''gian%20h%C3%A0ng.png" in response.headers["Content-Disposition"]
    auth.logout()
    # Another province's trainer does not even learn it exists.
    auth.login(make_user(role=Role.TRAINER, province_code=HA_NOI))
    assert client.get(f"/onboarding/evidence/{evidence_id}/file").status_code == 404
    auth.logout()

    # The owner's export carries the file.
    auth.login(owner)
    response = client.get("/account/data.zip")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    response.close()
    [member] = [n for n in archive.namelist() if n.startswith("evidence/")]
    assert archive.read(member) == PNG

    # Closing the account deletes the object from the bucket.
    closed = client.post("/account/close", data={"password": PASSWORD, "understood": "y"})
    assert closed.status_code == 302
    assert bucket_keys(s3_endpoint, bucket) == []
    with s3_app.app_context():
        assert db.session.get(Evidence, evidence_id).file_path == ""


def test_a_file_missing_from_the_bucket_is_a_404_not_an_error(
    s3_app, client, auth, make_user, make_business, s3_endpoint, bucket
):
    owner = make_user()
    auth.login(owner)
    onboarding_id = start_path(client, make_business(owner=owner, kind=BusinessKind.HOUSEHOLD))
    upload_evidence(client, onboarding_id, PNG)
    [key] = bucket_keys(s3_endpoint, bucket)
    s3_client(s3_endpoint).delete_object(Bucket=bucket, Key=key)
    with s3_app.app_context():
        evidence_id = db.session.scalar(sa.select(Evidence.id))
    assert client.get(f"/onboarding/evidence/{evidence_id}/file").status_code == 404
