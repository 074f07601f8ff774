"""The enrolment counts report and its CSV, XLSX and PDF exports agree with a hand count."""

import csv
import io
import re
import subprocess

import pytest
from openpyxl import load_workbook

from portal.auth.models import Role
from portal.extensions import db
from portal.training import operations
from portal.training.models import Enrolment
from tests.conftest import HA_NOI
from tests.integration.test_training import complete_with_certificate, enrol_now, new_training

EN = {"Accept-Language": "en"}


def _fixture(app, make_user, make_business):
    """Two courses in Quảng Ninh, one in Hà Nội; return the hand count of Quảng Ninh's events."""
    trainer = make_user(role=Role.TRAINER)
    complete_with_certificate(app, trainer, make_business())  # enrolled + completed
    second = new_training(app, trainer, title_vi="Thanh toán số", title_en="Digital payments")
    for _ in range(3):
        enrol_now(app, second.cohort_id, make_business().id)  # 3 enrolled
    cancelled = enrol_now(app, second.cohort_id, make_business().id)  # enrolled
    with app.app_context():
        enrolment = db.session.get(Enrolment, cancelled)
        operations.cancel(enrolment, enrolment.business.owner)  # + cancelled
        db.session.commit()
    hanoi = make_user(role=Role.TRAINER, province_code=HA_NOI)
    complete_with_certificate(app, hanoi, make_business(province_code=HA_NOI))
    return {"enrolled": 5, "cancelled": 1, "completed": 1, "total": 7}


def test_counts_by_course_with_totals(app, client, auth, make_user, make_business):
    hand = _fixture(app, make_user, make_business)
    auth.login(make_user(role=Role.STAFF))
    page = client.get("/reports/enrolments?by=course", headers=EN).get_data(as_text=True)
    assert "Digital payments" in page and "Selling on e-commerce marketplaces" in page
    assert f'<th class="num">{hand["total"]}</th></tr></tfoot>' in page


def test_csv_export_totals_equal_the_hand_count(app, client, auth, make_user, make_business):
    hand = _fixture(app, make_user, make_business)
    auth.login(make_user(role=Role.STAFF))
    response = client.get("/reports/enrolments.csv?by=sector&lang=en")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    header, total = rows[2], rows[-1]
    assert header[0] == "Sector" and total[0] == "Total"
    counts = dict(zip(header[1:], (int(n) for n in total[1:]), strict=True))
    assert counts["Enrolled"] == hand["enrolled"]
    assert counts["Cancelled"] == hand["cancelled"]
    assert counts["Completed"] == hand["completed"]
    assert counts["Total"] == hand["total"]


def test_xlsx_export_totals_equal_the_hand_count(app, client, auth, make_user, make_business):
    hand = _fixture(app, make_user, make_business)
    auth.login(make_user(role=Role.STAFF))
    response = client.get("/reports/enrolments.xlsx?by=commune&lang=vi")
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[-1][0] == "Tổng cộng"
    assert rows[-1][-1] == hand["total"]
    assert sum(row[-1] for row in rows[3:-1]) == hand["total"]


def test_pdf_export_names_province_period_and_totals(app, client, auth, make_user, make_business):
    hand = _fixture(app, make_user, make_business)
    auth.login(make_user(role=Role.STAFF))
    response = client.get("/reports/enrolments.pdf?by=month&lang=en")
    assert response.mimetype == "application/pdf"
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=response.data, capture_output=True, check=True
    ).stdout.decode()
    assert "Quảng Ninh" in text and "Hà Nội" not in text
    assert "Enrolment counts: Month" in text and re.search(r"\b1\s*/\s*1\b", text)
    total_line = next(line for line in text.splitlines() if line.strip().startswith("Total"))
    assert total_line.split()[-1] == str(hand["total"])


def test_staff_exports_never_include_another_province(app, client, auth, make_user, make_business):
    _fixture(app, make_user, make_business)
    auth.login(make_user(role=Role.STAFF, province_code=HA_NOI))
    rows = list(
        csv.reader(
            io.StringIO(
                client.get("/reports/enrolments.csv?lang=en&province=22").get_data(as_text=True)
            )
        )
    )
    assert rows[-1][-1] == "2"  # Hà Nội's own enrolled + completed only


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@"])
def test_exports_never_turn_a_typed_name_into_a_formula(
    app, client, auth, make_user, make_business, prefix
):
    title = f"{prefix}HYPERLINK(\"http://evil.example\",\"Mở\")"
    trainer = make_user(role=Role.TRAINER, name=f"{prefix}1+1")
    training = new_training(app, trainer, title_vi=title, title_en=title)
    enrol_now(app, training.cohort_id, make_business().id)
    auth.login(make_user(role=Role.STAFF))
    for by, text in (("course", title), ("trainer", f"{prefix}1+1")):
        response = client.get(f"/reports/enrolments.csv?by={by}&lang=en")
        rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
        labels = [row[0] for row in rows[3:-1]]
        assert "'" + text in labels, labels
        assert not any(label.startswith(("=", "+", "-", "@")) for label in labels)
        sheet = load_workbook(io.BytesIO(client.get(f"/reports/enrolments.xlsx?by={by}").data))
        cells = [row[0] for row in sheet.active.iter_rows(min_row=4)]
        (cell,) = [c for c in cells if c.value == text]
        assert cell.data_type == "s"  # stored as text, exactly as typed
