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
from tests.factories import complete_with_certificate, enrol_now, new_training

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
    # Five businesses, each enrolled once: 7 events of three kinds, never added together.
    return {"enrolled": 5, "cancelled": 1, "completed": 1, "businesses": 5}


def _foot(page: str) -> list[str]:
    """Return the cells of the table's total row."""
    foot = page[page.index("<tfoot>") : page.index("</tfoot>")]
    return re.findall(r">([^<>]*)</th>", foot)


def test_counts_by_course_with_totals(app, client, auth, make_user, make_business):
    hand = _fixture(app, make_user, make_business)
    auth.login(make_user(role=Role.STAFF))
    page = client.get("/reports/enrolments?by=course", headers=EN).get_data(as_text=True)
    assert "Digital payments" in page and "Selling on e-commerce marketplaces" in page
    header = page[page.index("<thead>") : page.index("</thead>")]
    assert "Times enrolled" in header and "Businesses enrolled" in header
    assert "Businesses, each counted once" in header and ">Total<" not in header
    foot = _foot(page)
    assert foot[0] == "Total"
    # Times and businesses of each state side by side, then businesses once: 5, not 7.
    assert foot[3:5] == [str(hand["enrolled"]), str(hand["businesses"])]
    assert foot[-1] == str(hand["businesses"])


def test_csv_export_totals_equal_the_hand_count(app, client, auth, make_user, make_business):
    hand = _fixture(app, make_user, make_business)
    auth.login(make_user(role=Role.STAFF))
    response = client.get("/reports/enrolments.csv?by=sector&lang=en")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    header, total = rows[2], rows[-1]
    assert header[0] == "Sector" and total[0] == "Total"
    counts = dict(zip(header[1:], (int(n) for n in total[1:]), strict=True))
    assert counts["Times enrolled"] == hand["enrolled"]
    assert counts["Businesses enrolled"] == hand["businesses"]
    assert counts["Times cancelled"] == counts["Businesses that cancelled"] == hand["cancelled"]
    assert counts["Times completed"] == hand["completed"]
    assert counts["Businesses, each counted once"] == hand["businesses"]
    assert "Total" not in counts


def test_xlsx_export_totals_equal_the_hand_count(app, client, auth, make_user, make_business):
    hand = _fixture(app, make_user, make_business)
    auth.login(make_user(role=Role.STAFF))
    response = client.get("/reports/enrolments.xlsx?by=commune&lang=vi")
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[-1][0] == "Tổng cộng"
    assert rows[-1][-1] == hand["businesses"]
    assert rows[-1][3] == sum(row[3] for row in rows[3:-1]) == hand["enrolled"]


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
    assert total_line.split()[-1] == str(hand["businesses"])


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
    assert rows[-1][-1] == "1"  # Hà Nội's own business only
    assert rows[-1][3] == "1"  # ... enrolled once


def test_a_business_in_two_rows_is_counted_once_in_the_total(
    app, client, auth, make_user, make_business
):
    trainer = make_user(role=Role.TRAINER)
    first = new_training(app, trainer)
    second = new_training(app, trainer, title_vi="Thanh toán số", title_en="Digital payments")
    keen = make_business()
    enrol_now(app, first.cohort_id, keen.id)
    enrol_now(app, second.cohort_id, keen.id)
    enrol_now(app, second.cohort_id, make_business().id)
    auth.login(make_user(role=Role.STAFF))
    rows = list(
        csv.reader(
            io.StringIO(
                client.get("/reports/enrolments.csv?by=course&lang=en")
                .get_data(as_text=True)
                .lstrip("\ufeff")
            )
        )
    )
    header, body, total = rows[2], rows[3:-1], rows[-1]
    column = header.index("Businesses, each counted once")
    assert sorted(int(r[column]) for r in body) == [1, 2]  # the rows add up to 3...
    assert total[column] == "2"  # ...but two businesses took part
    assert total[header.index("Times enrolled")] == "3"


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
