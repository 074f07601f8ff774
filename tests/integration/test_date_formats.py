"""Dates one way per language: every page, PDF, export and mail that shows a date, in vi and en.

The demo data (a finished class with certificates, assessments, listings, targets) plus a
withdrawn certificate, a second assessment, a paid seat held and one paid, and a moved session
give every kind of date the portal shows. The visible text (never attributes: inputs and links
legitimately carry ISO dates) must hold no other form than dd/MM/yyyy in Vietnamese and
"1 Dec 2026" in English, and the expected forms must be there.
"""

import csv
import io
import random
import re
import subprocess
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from portal import clock
from portal.assess.models import Assessment
from portal.assess.operations import save_answers, start_assessment, submit_assessment
from portal.assess.questionnaires import choose
from portal.auth.models import User
from portal.billing import operations as billing
from portal.billing.models import Payment
from portal.businesses.models import Business
from portal.devtools.demo import DEMO_PASSWORD, _random_answer
from portal.extensions import db
from portal.onboarding.models import OnboardingPath
from portal.training import operations as training
from portal.training.models import Certificate, Cohort, Course

MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

#: Forms no page may show, whatever the language.
FORBIDDEN = {
    "Babel's abbreviated Vietnamese month (1 thg 12, 2026)": r"\bthg\b",
    # Except the place and date line of official documents and certificates, which Decree
    # 30/2020/NĐ-CP writes out: "Quảng Ninh, ngày 01 tháng 12 năm 2026".
    "month written out in Vietnamese (1 tháng 12, 2026)": (
        r"(?<!ngày )(?<!\d)\d{1,2} tháng \d{1,2}\b|(?<!ngày \d\d )\btháng \d{1,2},? (?:năm )?\d{4}"
    ),
    "two-digit year (22/10/26)": r"(?<![\d/])\d{1,2}/\d{1,2}/\d{2}(?![\d/])",
    "ISO date or month shown as text (2026-01)": (
        r"(?<![\d-])(?:19|20)\d{2}-(?:0[1-9]|1[0-2])(?!\d)"
    ),
}
FORBIDDEN_VI = FORBIDDEN | {
    "day or month without its leading zero (1/12/2026)": (
        r"(?<![\d/])(?:\d/\d{1,2}|\d{1,2}/\d)/\d{4}(?![\d/])"
    ),
}
FORBIDDEN_EN = FORBIDDEN | {
    "a numeric date in English, read differently in the US (12/1/2026)": (
        r"(?<![\d/])\d{1,2}/\d{1,2}/\d{2,4}(?![\d/])"
    ),
    "month before day (Dec 1, 2026)": r"\b(?:" + "|".join(MONTHS_EN) + r")[a-z]* \d{1,2}, \d{4}",
}


class _VisibleText(HTMLParser):
    """Collect what a reader sees: text nodes, not attributes, scripts or styles."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._hidden += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def pdf_text(pdf: bytes) -> str:
    out = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True)
    return " ".join(out.stdout.decode().split())


def day(value: date, lang: str) -> str:
    """The expected form of a date, written without the portal's formatter."""
    if lang == "vi":
        return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"
    return f"{value.day} {MONTHS_EN[value.month - 1]} {value.year:04d}"


def moment(app, instant: datetime, lang: str) -> str:
    """The expected form of a stored (naive UTC) instant, in the portal's time zone."""
    local = instant.replace(tzinfo=UTC).astimezone(ZoneInfo(app.config["PORTAL_TIMEZONE"]))
    if lang == "vi":
        return f"{day(local.date(), lang)} {local:%H:%M}"
    return f"{day(local.date(), lang)}, {local:%H:%M}"


def month(value: date, lang: str) -> str:
    if lang == "vi":
        return f"{value.month:02d}/{value.year:04d}"
    return f"{MONTHS_EN[value.month - 1]} {value.year:04d}"


def _owner(email: str) -> User:
    return db.session.scalar(sa.select(User).where(User.email == email))


def _business_of(email: str) -> Business:
    return db.session.scalar(sa.select(Business).join(User).where(User.email == email))


def _enrol_and_settle(course: Course, business: Business, *, settle: bool) -> int:
    """Take a seat of a paid course; with ``settle``, apply Stripe's success event to it."""
    cohort = course.cohorts[0]
    enrolment = training.enrol(cohort, business, business.owner)
    payment = billing.current_payment(enrolment)
    if settle:
        payment.stripe_payment_intent_id = f"pi_dates_{payment.id}"
        db.session.flush()
        event = {
            "id": f"evt_dates_{payment.id}",
            "type": "payment_intent.succeeded",
            "data": {
                "object": {"id": payment.stripe_payment_intent_id, "amount": payment.amount_vnd}
            },
        }
        assert billing.handle_event(event) == "applied"
    return payment.id


@pytest.fixture
def dated(app, runner, monkeypatch):
    """Seed the demo and add the dates it lacks; return the ids and values the pages show."""
    # Card payments switched on (no call reaches Stripe: a seat is held, the event applied).
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "sk_test_dates")
    monkeypatch.setitem(app.config, "STRIPE_PUBLISHABLE_KEY", "pk_test_dates")
    result = runner.invoke(args=["seed-demo"])
    assert result.exception is None, result.output
    with app.app_context():
        staff = _owner("staff.quangninh@demo.vn")
        owner_business = _business_of("owner1.quangninh@demo.vn")
        # A second assessment: its results compare with the first, naming its date.
        first = db.session.scalar(
            sa.select(Assessment).where(Assessment.business_id == owner_business.id)
        )
        questionnaire = choose(owner_business).questionnaire
        second, _new = start_assessment(owner_business, owner_business.owner, questionnaire)
        rng = random.Random(9)
        answers = {q.id: _random_answer(q, rng) for q in questionnaire.questions}
        save_answers(second, owner_business.owner, answers)
        submit_assessment(second, owner_business.owner, questionnaire)
        # The certificate of owner 2 is withdrawn; owner 1's stays valid.
        certificates = {
            c.enrolment.business.owner.email: c
            for c in db.session.scalars(
                sa.select(Certificate).where(Certificate.province_code == 22)
            )
        }
        kept = certificates["owner1.quangninh@demo.vn"]
        withdrawn = certificates["owner2.quangninh@demo.vn"]
        training.revoke_certificate(withdrawn, staff, "Kiểm tra lại")
        # The paid course: one seat held (owner 7), one paid by card (owner 8).
        paid_course = db.session.scalar(
            sa.select(Course).where(Course.province_code == 22, Course.fee_vnd > 0)
        )
        held_id = _enrol_and_settle(
            paid_course, _business_of("owner7.quangninh@demo.vn"), settle=False
        )
        paid_id = _enrol_and_settle(
            paid_course, _business_of("owner8.quangninh@demo.vn"), settle=True
        )
        # Owner 1 also takes a seat in the open free class, whose session the trainer moves.
        open_cohort = db.session.scalar(
            sa.select(Cohort)
            .join(Course)
            .where(Course.province_code == 22, Course.fee_vnd == 0)
            .where(Cohort.enrolment_deadline >= clock.today())
        )
        training.enrol(open_cohort, owner_business, owner_business.owner)
        finished_cohort = kept.enrolment.cohort
        onboarding = db.session.scalar(
            sa.select(OnboardingPath).where(OnboardingPath.business_id == owner_business.id)
        )
        db.session.commit()
        return {
            "business_id": owner_business.id,
            "assessment_id": second.id,
            "first_submitted": first.submitted_at,
            "second_submitted": db.session.get(Assessment, second.id).submitted_at,
            "certificate_id": kept.id,
            "certificate_code": kept.code,
            "completed_on": kept.completed_on,
            "withdrawn_code": withdrawn.code,
            "withdrawn_at": withdrawn.revoked_at,
            "finished_cohort_id": finished_cohort.id,
            "finished_session": finished_cohort.sessions[0].starts_at,
            "finished_session_id": finished_cohort.sessions[0].id,
            "open_cohort_id": open_cohort.id,
            "open_session_id": open_cohort.sessions[0].id,
            "open_session": open_cohort.sessions[0].starts_at,
            "paid_deadline": paid_course.cohorts[0].enrolment_deadline,
            "held_id": held_id,
            "held_enrolment_id": db.session.get(Payment, held_id).enrolment_id,
            "hold_expires_at": db.session.get(Payment, held_id).hold_expires_at,
            "paid_id": paid_id,
            "paid_at": db.session.get(Payment, paid_id).paid_at,
            "onboarding_id": onboarding.id,
        }


def _sign_in(client, email: str, lang: str) -> None:
    client.post("/auth/logout")
    response = client.post("/auth/login", data={"login": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302, email
    client.post(f"/auth/language/{lang}")


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return visible_text(response.get_data(as_text=True))


def _documents(app, client, dated: dict, lang: str) -> dict[str, str]:
    """Render every place that shows a date, as each reader sees it; return name → text."""
    seen: dict[str, str] = {}
    d = dated
    _sign_in(client, "owner1.quangninh@demo.vn", lang)
    for url in (
        "/dashboard",
        f"/businesses/{d['business_id']}",
        f"/businesses/{d['business_id']}/assessments",
        f"/businesses/{d['business_id']}/assessments/start",
        f"/assessments/{d['assessment_id']}",
        "/training/mine",
        f"/onboarding/{d['onboarding_id']}",
    ):
        seen[url] = _page(client, url)
    seen["assessment PDF"] = pdf_text(
        client.get(f"/assessments/{d['assessment_id']}/report.pdf?lang={lang}").data
    )
    seen["certificate PDF"] = pdf_text(
        client.get(f"/training/certificates/{d['certificate_id']}.pdf").data
    )

    _sign_in(client, "owner7.quangninh@demo.vn", lang)
    seen["held seat"] = _page(client, f"/billing/enrolments/{d['held_enrolment_id']}")
    _sign_in(client, "owner8.quangninh@demo.vn", lang)
    seen["my payments"] = _page(client, "/billing/payments")
    seen["receipt PDF"] = pdf_text(client.get(f"/billing/payments/{d['paid_id']}/receipt.pdf").data)

    _sign_in(client, "trainer.quangninh@demo.vn", lang)
    for url in (
        "/dashboard",
        f"/training/cohorts/{d['finished_cohort_id']}",
        f"/training/cohorts/{d['open_cohort_id']}",
        f"/training/sessions/{d['finished_session_id']}/attendance",
        f"/training/sessions/{d['open_session_id']}/edit",
    ):
        seen[f"trainer {url}"] = _page(client, url)
    # Moving a session mails owner 1, in the language of their account.
    new_start = clock.to_local(d["open_session"]) + timedelta(days=1)
    response = client.post(
        f"/training/sessions/{d['open_session_id']}/edit",
        data={"starts_at": f"{new_start:%Y-%m-%dT%H:%M}", "duration_minutes": 180},
    )
    assert response.status_code == 302
    outbox = app.extensions["mailman"].outbox
    seen["session mail"] = " ".join(f"{m.subject} {m.body}" for m in outbox)
    seen["flash after moving"] = _page(client, f"/training/cohorts/{d['open_cohort_id']}")

    _sign_in(client, "staff.quangninh@demo.vn", lang)
    for url in (
        "/dashboard",
        "/reports/",
        "/reports/enrolments?by=month",
        "/reports/enrolments?by=cohort",
        "/billing/report",
        "/onboarding/review",
    ):
        seen[f"staff {url}"] = _page(client, url)
    csv_text = client.get(f"/reports/enrolments.csv?by=month&lang={lang}").data.decode("utf-8-sig")
    seen["CSV export"] = " ".join(" ".join(row) for row in csv.reader(io.StringIO(csv_text)))
    book = load_workbook(
        io.BytesIO(client.get(f"/reports/enrolments.xlsx?by=month&lang={lang}").data)
    )
    seen["XLSX export"] = " ".join(
        str(c.value) for row in book.active.iter_rows() for c in row if c.value is not None
    )
    seen["PDF export"] = pdf_text(client.get(f"/reports/enrolments.pdf?by=month&lang={lang}").data)

    client.post("/auth/logout")
    client.post(f"/auth/language/{lang}")
    seen["verify valid"] = _page(client, f"/verify/{d['certificate_code']}")
    seen["verify withdrawn"] = _page(client, f"/verify/{d['withdrawn_code']}")
    return seen


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_date_shown_has_the_one_form_of_its_language(app, client, dated, lang):
    seen = _documents(app, client, dated, lang)
    forbidden = FORBIDDEN_VI if lang == "vi" else FORBIDDEN_EN
    wrong = [
        f"{name}: {what}: {match.group(0)!r} in …{text[max(0, match.start() - 40) : match.end()]}"
        for name, text in seen.items()
        for what, pattern in forbidden.items()
        for match in re.finditer(pattern, text, re.IGNORECASE)
    ]
    assert not wrong, "\n".join(wrong)

    d = dated
    today = clock.today()
    expected = {
        # Dates.
        "/training/mine": [day(d["completed_on"], lang)],
        "verify valid": [day(d["completed_on"], lang)],
        "verify withdrawn": [day(clock.local_date(d["withdrawn_at"]), lang)],
        "certificate PDF": [day(d["completed_on"], lang)],
        f"/businesses/{d['business_id']}/assessments": [
            day(clock.local_date(d["first_submitted"]), lang),
            day(clock.local_date(d["second_submitted"]), lang),
        ],
        f"/assessments/{d['assessment_id']}": [day(clock.local_date(d["second_submitted"]), lang)],
        "assessment PDF": [day(clock.local_date(d["second_submitted"]), lang)],
        "receipt PDF": [day(clock.local_date(d["paid_at"]), lang)],
        "held seat": [moment(app, d["hold_expires_at"], lang), day(d["paid_deadline"], lang)],
        "staff /billing/report": [
            day(today.replace(day=1), lang),
            day(today, lang),
            moment(app, d["paid_at"], lang),
        ],
        "staff /reports/": [day(today, lang), month(today, lang)],
        # Date-times of sessions, in the portal's time zone.
        f"trainer /training/cohorts/{d['finished_cohort_id']}": [
            moment(app, d["finished_session"], lang)
        ],
        f"trainer /training/sessions/{d['finished_session_id']}/attendance": [
            moment(app, d["finished_session"], lang)
        ],
        "session mail": [moment(app, d["open_session"], lang)],
        # Month keys of the reports.
        "staff /reports/enrolments?by=month": [month(today, lang)],
        "CSV export": [month(today, lang), day(date(today.year, 1, 1), lang)],
        "XLSX export": [month(today, lang), day(today, lang)],
        "PDF export": [month(today, lang), day(today, lang)],
    }
    missing = [
        f"{name}: {form!r} not in {seen[name][:300]!r}…"
        for name, forms in expected.items()
        for form in forms
        if form not in seen[name]
    ]
    assert not missing, "\n".join(missing)
