"""Field figures where staff look: the staff dashboard and the reports' spreadsheet export."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from portal import clock, geo
from portal.auth.models import Role
from portal.devtools.querycount import count_queries
from portal.extensions import db
from portal.field import queries
from tests.conftest import HA_NOI, QUANG_NINH
from tests.factories import (
    EN,
    FIELD_COMMUNES,
    assessed_on,
    field_helper,
    field_record,
    sync_records,
)


@pytest.fixture
def helpers(app, make_user):
    return [field_helper(app, make_user, name=f"Tổ viên {n}") for n in range(2)]


def _send(app, client, auth, helper, days_and_communes):
    auth.login(helper)
    records = []
    for day, commune in days_and_communes:
        r = field_record(app, commune=commune)
        r["assessed_at"] = assessed_on(day)
        records.append(r)
    assert {o["status"] for o in sync_records(client, records).json["results"]} == {"stored"}
    auth.logout()


def test_the_spreadsheet_export_has_a_field_work_sheet(app, client, auth, helpers, make_user):
    today = clock.today()
    monday = today - timedelta(days=today.weekday())
    last_week = monday - timedelta(days=7)
    first, second = helpers
    _send(app, client, auth, first, [(today, FIELD_COMMUNES[0]), (today, FIELD_COMMUNES[0]),
                                     (last_week, FIELD_COMMUNES[1])])  # fmt: skip
    _send(app, client, auth, second, [(last_week, FIELD_COMMUNES[0])])
    auth.login(make_user(role=Role.STAFF, province_code=QUANG_NINH))
    start = (last_week - timedelta(days=1)).isoformat()
    response = client.get(f"/reports/enrolments.xlsx?by=course&start={start}", headers=EN)
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames[-1] == "Field work"
    rows = list(book["Field work"].iter_rows(values_only=True))
    assert rows[1] == ("Week from", "Commune code", "Commune", "Helper", "Households")
    body = {(r[0].date(), r[1], r[2], r[3], r[4]) for r in rows[2:-1]}
    name = geo.commune_name
    assert body == {
        (monday, FIELD_COMMUNES[0], name(FIELD_COMMUNES[0]), first.name, 2),
        (last_week, FIELD_COMMUNES[1], name(FIELD_COMMUNES[1]), first.name, 1),
        (last_week, FIELD_COMMUNES[0], name(FIELD_COMMUNES[0]), second.name, 1),
    }
    assert rows[-1] == ("Total", None, None, None, 4)
    # A commune filter keeps that commune's rows.
    only = client.get(
        f"/reports/enrolments.xlsx?by=course&start={start}&commune={FIELD_COMMUNES[1]}", headers=EN
    )
    rows = list(load_workbook(io.BytesIO(only.data))["Field work"].iter_rows(values_only=True))
    assert [r[1] for r in rows[2:-1]] == [FIELD_COMMUNES[1]] and rows[-1][-1] == 1
    auth.logout()
    # Another province's export has the sheet, empty.
    auth.login(make_user(role=Role.STAFF, province_code=HA_NOI))
    other = client.get(f"/reports/enrolments.xlsx?by=course&start={start}", headers=EN)
    rows = list(load_workbook(io.BytesIO(other.data))["Field work"].iter_rows(values_only=True))
    assert rows[-1] == ("Total", None, None, None, 0)


def test_the_dashboard_summary_is_one_query_whatever_the_households(app, client, auth, helpers):
    staff_like = type("Staff", (), {"role": Role.STAFF, "province_code": QUANG_NINH})()

    def measure() -> tuple[int, queries.DashboardSummary]:
        with app.app_context(), count_queries(db.engine) as counter:
            summary = queries.dashboard_summary(staff_like)
        return counter.count, summary

    today = clock.today()
    empty_count, empty = measure()
    assert empty.empty and empty_count == 1
    _send(app, client, auth, helpers[0], [(today, FIELD_COMMUNES[0])])
    one_count, _one = measure()
    _send(app, client, auth, helpers[1], [(today, FIELD_COMMUNES[i % 2]) for i in range(12)])
    many_count, many = measure()
    assert empty_count == one_count == many_count == 1
    assert many.this_week == many.four_weeks == 13
    assert many.top_communes == [(FIELD_COMMUNES[0], 7), (FIELD_COMMUNES[1], 6)]
    assert many.open_matches == 0 and many.score_mismatches == 0
