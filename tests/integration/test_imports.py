"""Bulk import: template, checks of every row with reasons in vi/en, old commune names,
duplicates, idempotent re-import, scoping, invitations and letters."""

import csv
import io
import subprocess
import zipfile
from datetime import timedelta

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook
from werkzeug.datastructures import FileStorage
from werkzeug.test import stream_encode_multipart

from portal import clock, geo
from portal.auth.models import Role
from portal.businesses.models import Business
from portal.claims.models import ClaimCode
from portal.extensions import db
from portal.imports.models import ImportBatch
from portal.storage import storage
from tests.conftest import HA_NOI, PASSWORD, QUANG_NINH, all_at_once

HEADER = ["Name", "Kind", "Tax code or personal ID", "Sector", "Size", "Commune or ward",
          "Address", "Phone", "E-mail"]


def _xlsx(rows, header=HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _csv(rows, header=HEADER, delimiter=",") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode()


GOOD = [
    ["Cơ sở Mai Hoa", "Household business", "", "Agriculture, forestry and fisheries", "",
     "Phường Hạ Long", "Thôn 1", "0912345678", "maihoa@example.vn"],
    ["Công ty TNHH Biển Xanh", "enterprise", "0101234567", "tourism", "small",
     "Bãi Cháy", "", "", ""],
    ["Hộ Trần Văn Bình", "Hộ kinh doanh", "012345678901", "Thương mại và bán lẻ", "",
     "Xã Quảng Minh", "", "0987654321", ""],
]


@pytest.fixture(autouse=True)
def uploads(app, tmp_path):
    before = app.config.get("UPLOAD_FOLDER")
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    yield
    app.config["UPLOAD_FOLDER"] = before


@pytest.fixture
def staff(make_user, auth, client):
    user = make_user(role=Role.STAFF, province_code=QUANG_NINH)
    auth.login(user)
    # Pages in English unless a test asks for Vietnamese (its header wins over this one).
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return user


def _upload(client, data, name="list.xlsx"):
    # The body built in memory: the test client would spool a large one to an unclosed file.
    stream, length, boundary = stream_encode_multipart(
        {"file": FileStorage(io.BytesIO(data), filename=name, name="file")}, use_tempfile=False
    )
    return client.post(
        "/imports/",
        headers={"Accept-Language": "en", "Content-Length": str(length)},
        data=stream.read(),
        content_type=f"multipart/form-data; boundary={boundary}",
        follow_redirects=True,
    )


def _batch(app):
    with app.app_context():
        return db.session.scalars(sa.select(ImportBatch).order_by(ImportBatch.id.desc())).first()


def _count(app, model):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_template_lists_columns_and_allowed_values_in_both_languages(client, staff):
    for lang, header in (("vi", "Tên"), ("en", "Name")):
        response = client.get(f"/imports/template.xlsx?lang={lang}")
        assert response.status_code == 200
        workbook = load_workbook(io.BytesIO(response.data))
        first, values = workbook.worksheets
        assert [c.value for c in first[1]][0] == header
        names = {row[6] for row in values.iter_rows(min_row=2, values_only=True)}
        assert "Phường Hạ Long" in names
        assert len([n for n in names if n]) == len(geo.communes(QUANG_NINH))


def test_a_good_file_is_previewed_then_imported_with_claim_codes_and_an_invitation(
    app, client, staff
):
    page = _upload(client, _xlsx(GOOD)).get_data(as_text=True)
    assert "Rows to import: 3" in page
    assert "Xã Quảng Minh" in page  # old name shown with its new commune
    assert _count(app, Business) == 0  # nothing before the confirmation
    batch = _batch(app)
    page = client.post(f"/imports/{batch.id}/import", follow_redirects=True).get_data(as_text=True)
    assert "3 businesses imported. 1 invitation sent by e-mail." in page
    with app.app_context():
        businesses = db.session.scalars(sa.select(Business).order_by(Business.id)).all()
        assert [b.name for b in businesses] == [r[0] for r in GOOD]
        assert all(b.owner.password_hash == "!" and b.owner.email is None for b in businesses)
        assert {b.province_code for b in businesses} == {QUANG_NINH}
        assert _count(app, ClaimCode) == 3
        outbox = app.extensions["mailman"].outbox
        assert [m.to for m in outbox] == [["maihoa@example.vn"]]
        assert "/claim/" in outbox[0].body


def test_the_same_file_twice_changes_nothing(app, client, staff):
    data = _csv(GOOD)
    _upload(client, data, "list.csv")
    client.post(f"/imports/{_batch(app).id}/import")
    page = _upload(client, data, "list.csv").get_data(as_text=True)
    assert "Already in the portal: 3" in page
    assert "Rows to import: 0" in page
    assert _count(app, Business) == 3


def test_semicolon_csv_is_read(app, client, staff):
    page = _upload(client, _csv(GOOD, delimiter=";"), "list.csv").get_data(as_text=True)
    assert "Rows to import: 3" in page


@pytest.mark.parametrize(
    ("row_change", "en", "vi"),
    [
        ({5: "Phường Hạ Lonng"}, "Did you mean: Phường Hạ Long", None),
        ({2: "12345"}, "A tax code has 10 digits", None),
        ({1: "enterprise", 2: ""}, "An enterprise or cooperative must give its tax code",
         "Doanh nghiệp hoặc hợp tác xã phải khai mã số thuế."),
        ({1: "enterprise", 2: "012345678901"}, "Only a household business may use",
         "Chỉ hộ kinh doanh mới được dùng mã định danh cá nhân"),
        ({7: "12345"}, "10 digits starting with 0", "gồm 10 chữ số, bắt đầu bằng số 0"),
        ({1: "factory"}, "Not a kind the portal knows", None),
    ],
)
def test_each_refused_cell_says_why_in_the_readers_language(app, client, staff, row_change, en,
                                                            vi):
    row = list(GOOD[0])
    for index, value in row_change.items():
        row[index] = value
    page = _upload(client, _xlsx([row])).get_data(as_text=True)
    assert "Rows refused: 1" in page
    assert en in page
    if vi:  # the business form's own words, already translated
        url = f"/imports/{_batch(app).id}"
        page = client.get(url, headers={"Accept-Language": "vi"}).get_data(as_text=True)
        assert vi in page


def test_duplicates_in_the_file_are_refused_with_the_first_row(client, staff):
    page = _upload(client, _xlsx([GOOD[0], GOOD[0]])).get_data(as_text=True)
    assert "Rows to import: 1" in page
    assert "The same as row 2 of this file." in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty"),
        (b"%PDF-1.7\n\x00\x01binary", "This is not a spreadsheet"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old Excel file"),
        (b"T\xean,Lo\xe0i\nH\xf4 B\xecnh,x\n", "not in UTF-8"),
        (None, "holds a formula"),
        ("zip", "unpacks to far more"),
        ("rows", "more than 60000 rows"),
        (_csv([]), "The file is empty"),
    ],
)
def test_malformed_files_are_refused_with_a_message_never_an_error(
    app, client, staff, data, message
):
    if data is None:
        data = _xlsx([["=1+1", "household", "", "trade", "", "Bãi Cháy", "", "", ""]])
    elif data == "zip":
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("xl/workbook.xml", "<workbook/>")
            archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * (400 * 2**20))
        data = out.getvalue()
    elif data == "rows":
        data = _csv([["Hộ", "household", "", "trade"]] * 1_000_000)
        app.config["IMPORT_MAX_BYTES"] = 64 * 2**20
    try:
        response = _upload(client, data, "list.xlsx")
    finally:
        app.config.pop("IMPORT_MAX_BYTES", None)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True).replace("60,000", "60000")
    assert _count(app, ImportBatch) == 0


def test_a_file_over_the_limit_is_refused_with_its_size(app, client, staff):
    app.config["IMPORT_MAX_BYTES"] = 2**20
    try:
        response = _upload(client, b"a,b\n" * 300_000, "list.csv")
    finally:
        app.config.pop("IMPORT_MAX_BYTES")
    assert response.status_code == 400
    assert "The file is too large: at most 1 MB." in response.get_data(as_text=True)


def test_staff_of_another_province_cannot_see_or_import_the_batch(app, client, staff, make_user,
                                                                   auth):
    _upload(client, _xlsx(GOOD))
    batch = _batch(app)
    auth.logout()
    auth.login(make_user(role=Role.STAFF, province_code=HA_NOI))
    assert client.get(f"/imports/{batch.id}").status_code == 404
    assert client.post(f"/imports/{batch.id}/import").status_code == 404
    assert client.get(f"/imports/{batch.id}/letters.pdf").status_code == 404
    assert _count(app, Business) == 0
    # Their own upload is checked against their own communes: Quảng Ninh's are unknown there.
    page = _upload(client, _xlsx(GOOD[:1])).get_data(as_text=True)
    assert "Rows refused: 1" in page


def test_letters_have_one_page_per_business_with_its_code(app, client, staff, tmp_path):
    _upload(client, _xlsx(GOOD))
    batch = _batch(app)
    client.post(f"/imports/{batch.id}/import")
    response = client.get(f"/imports/{batch.id}/letters.pdf?part=1")
    assert response.status_code == 200
    pdf = tmp_path / "letters.pdf"
    pdf.write_bytes(response.data)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    pages = text.split("\f")
    assert len([p for p in pages if p.strip()]) == 3
    with app.app_context():
        codes = db.session.scalars(sa.select(ClaimCode.code)).all()
    for code in codes:
        assert f"{code[:4]}-{code[4:]}" in text
    assert "https://portal.example.vn/claim/" in text


def test_funnel_counts_known_and_registered_per_commune(app, client, staff, make_business):
    make_business()  # registered by its owner
    _upload(client, _xlsx(GOOD))
    client.post(f"/imports/{_batch(app).id}/import")
    page = client.get("/imports/funnel").get_data(as_text=True)
    assert "Whole province" in page
    assert "<td>4</td><td>1</td>" in page


def test_old_commune_names_are_mapped_and_split_ones_refused_with_their_successors(
    app, client, staff
):
    rows = [list(GOOD[0]), list(GOOD[0])]
    rows[0][5] = "Thị trấn Cái Rồng"  # went wholly into Đặc khu Vân Đồn
    rows[1][5], rows[1][7] = "Phường Hà Khẩu", "0911111111"  # split between two wards
    page = _upload(client, _xlsx(rows)).get_data(as_text=True)
    assert "Rows to import: 1" in page
    assert "<td>Thị trấn Cái Rồng</td><td>Đặc khu Vân Đồn</td>" in page
    assert "Phường Hà Khẩu was split in July 2025 between" in page
    assert "Phường Việt Hưng" in page and "write which one" in page
    client.post(f"/imports/{_batch(app).id}/import")
    with app.app_context():
        business = db.session.scalar(sa.select(Business))
        assert geo.commune_name(business.commune_code) == "Đặc khu Vân Đồn"


def test_the_vietnamese_template_filled_in_imports(app, client, staff):
    template = load_workbook(io.BytesIO(client.get("/imports/template.xlsx?lang=vi").data))
    header = [c.value for c in template.worksheets[0][1]]
    page = _upload(client, _xlsx(GOOD, header=header)).get_data(as_text=True)
    assert "Rows to import: 3" in page


def test_a_file_without_the_required_columns_names_them(client, staff):
    response = _upload(client, _csv(GOOD, header=["Tên", "Loại hình", "x", "y"]), "a.csv")
    assert response.status_code == 400
    assert "Missing: Sector, Commune or ward." in response.get_data(as_text=True)


def test_a_list_not_imported_within_a_week_loses_its_file(app, client, staff):
    _upload(client, _xlsx(GOOD))
    batch = _batch(app)
    with app.app_context():
        row = db.session.get(ImportBatch, batch.id)
        row.created_at = clock.utcnow() - timedelta(days=8)
        db.session.commit()
        assert storage().exists(batch.file_key)
    _upload(client, _xlsx(GOOD[:1]))  # any later check of the province expires it
    with app.app_context():
        assert not storage().exists(batch.file_key)
    page = client.post(f"/imports/{batch.id}/import", follow_redirects=True).get_data(as_text=True)
    assert "checked too long ago" in page
    assert _count(app, Business) == 0


def _signed_in(app, user):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.post("/auth/login", data={"login": user.login, "password": PASSWORD})
    assert response.status_code == 302
    return client


@pytest.mark.postgres_only
def test_one_list_imported_by_several_people_at_once_is_imported_once(app, client, staff):
    _upload(client, _xlsx(GOOD))
    batch = _batch(app)
    clients = [_signed_in(app, staff) for _ in range(3)]

    responses = all_at_once(
        [lambda c=c: c.post(f"/imports/{batch.id}/import", follow_redirects=True) for c in clients]
    )

    assert [r.status_code for r in responses] == [200] * 3
    pages = sorted(r.get_data(as_text=True) for r in responses)
    assert sum("3 businesses imported." in page for page in pages) == 1
    assert sum("This list has already been imported." in page for page in pages) == 2
    assert _count(app, Business) == 3
    assert _count(app, ClaimCode) == 3


def test_a_list_whose_kept_file_is_gone_asks_for_a_new_upload(app, client, staff):
    _upload(client, _xlsx(GOOD))
    batch = _batch(app)
    with app.app_context():
        storage().delete(batch.file_key)

    page = client.post(f"/imports/{batch.id}/import", follow_redirects=True)

    assert page.status_code == 200
    assert "This list was checked too long ago: upload it again." in page.get_data(as_text=True)
    assert _batch(app).status.value == "expired" and _count(app, Business) == 0

