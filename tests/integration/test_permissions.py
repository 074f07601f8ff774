"""Who may do what: the table in portal/permissions.py, the README's copy of it, and every POST
route sent as every role the table refuses (with objects that are not theirs)."""

import re
from datetime import datetime, time, timedelta
from html import unescape
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from portal import clock
from portal.auth.models import Role, User
from portal.businesses.models import Business, BusinessKind
from portal.extensions import db
from portal.permissions import ACTIONS, COLUMNS, NO, OWN, VISITOR, YES, can
from portal.training.models import Course, Enrolment, EnrolmentState, TrainingSession
from tests.conftest import HA_NOI, PASSWORD, QUANG_NINH
from tests.factories import (
    ID_PARAMETERS,
    add_programme,
    alert_and_notice,
    card_paid_enrolment,
    hanoi_onboarding,
    import_batch,
    paid_enrolment_in,
)

ROOT = Path(__file__).resolve().parents[2]
EN = {"Accept-Language": "en"}

# ------------------------------------------------------------------------ the README's copy

CELLS = {"yes": YES, "own": OWN, "—": NO}


def _readme_table() -> tuple[list[str], dict[str, tuple[str, dict[str, object]]]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "\n## Who may do what\n" in text, "README has no 'Who may do what' section"
    section = text.split("\n## Who may do what\n", 1)[1].split("\n## ", 1)[0]
    rows = [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in section.splitlines()
        if line.startswith("|")
    ]
    header, _rule, *body = rows
    columns = [name.lower() for name in header[2:]]
    table = {}
    for name, summary, *cells in body:
        table[name.strip("`")] = (
            summary,
            {c: CELLS[cell] for c, cell in zip(columns, cells, strict=True)},
        )
    return columns, table


def test_readme_section_comes_just_before_layout():
    headings = re.findall(r"^## (.+)$", (ROOT / "README.md").read_text(encoding="utf-8"), re.M)
    assert headings[headings.index("Who may do what") + 1] == "Layout"


def test_readme_table_and_the_module_agree():
    columns, table = _readme_table()
    assert columns == list(COLUMNS)
    module = {a.name: (a.summary, {c: a.grant(c) for c in COLUMNS}) for a in ACTIONS.values()}
    assert list(table) == list(module)  # same actions, same order
    for name in module:
        assert table[name] == module[name], name


# ------------------------------------------------------------------------------ the routes


def _post_routes(app):
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods and rule.endpoint != "static":
            yield rule, app.view_functions[rule.endpoint]


def test_every_post_route_declares_an_action_of_the_table(app):
    routes = list(_post_routes(app))
    missing = [
        rule.rule
        for rule, view in routes
        if getattr(view, "permission_action", None) not in ACTIONS
    ]
    assert missing == []
    assert len(routes) >= 45


def test_the_roles_let_into_a_post_route_are_the_tables(app):
    """No ``@roles_required`` on top of ``@performs`` says otherwise than the table."""
    for rule, view in _post_routes(app):
        action = ACTIONS[view.permission_action]
        expected = "public" if action.public else action.roles
        assert view.access_rule == expected, rule.rule


def test_every_action_is_checked_somewhere(app):
    declared = {view.permission_action for _rule, view in _post_routes(app)}
    sources = "".join(
        path.read_text(encoding="utf-8")
        for folder in ("portal", "templates")
        for path in (ROOT / folder).rglob("*")
        if path.suffix in (".py", ".html") and path.name != "permissions.py"
    )
    unused = [name for name in ACTIONS if name not in declared and f'"{name}"' not in sources]
    assert unused == []


# ----------------------------------------------------------------- every role, every route


def _course_form(fee: int) -> dict:
    return {
        "title_vi": "Bán hàng trên sàn",
        "title_en": "Selling on marketplaces",
        "topic": "ecommerce",
        "dimensions": ["online_sales"],
        "audience": "both",
        "format": "in_person",
        "duration_hours": "12",
        "fee_vnd": str(fee),
        "min_attendance_pct": "80",
        "active": "y",
    }


def _cohort_form(w) -> dict:
    return {
        "trainer": str(w.other_trainer_id),
        "commune": str(w.commune),
        "venue": "Nhà văn hoá",
        "capacity": "40",
        "enrolment_deadline": (clock.today() + timedelta(days=30)).isoformat(),
    }


def _business_form(w) -> dict:
    return {
        "business_name": "Đổi tên",
        "kind": "household_business",
        "sector": "other",
        "size": "family",
        "province": str(QUANG_NINH),
        "commune": str(w.commune),
    }


def _soon() -> str:
    return datetime.combine(clock.today() + timedelta(days=40), time(8, 0)).strftime(
        "%Y-%m-%dT%H:%M"
    )


#: What an allowed person would send: had a check been left out, these would change something.
FORM_DATA = {
    "training.new_course": lambda w: _course_form(0),
    "training.edit_course": lambda w: _course_form(900_000),
    "training.new_cohort": lambda w: (
        _cohort_form(w)
        | {
            "first_session": _soon(),
            "session_count": "1",
            "days_between": "7",
            "session_minutes": "60",
        }
    ),
    "training.edit_cohort": _cohort_form,
    "training.add_session": lambda w: {"starts_at": _soon(), "duration_minutes": "60"},
    "training.edit_session": lambda w: {"starts_at": _soon(), "duration_minutes": "60"},
    "training.assign": lambda w: {"business_id": str(w.spare_business_id)},
    "training.mark_attendance": lambda w: {"present": "0"},
    "training.withdraw_certificate": lambda w: {"reason": "Cấp nhầm"},
    "training.enrol": lambda w: {"business": str(w.ids["business"])},
    "training.subscribe_class_alert": lambda w: {
        "business": str(w.ids["business"]),
        "what": "course",
        "reach": "province",
    },
    "businesses.new_business": _business_form,
    "businesses.edit_business": _business_form,
    "onboarding.start_path": lambda w: {"path": "voso"},
    "onboarding.tick_step": lambda w: {"step": "account", "done": "1"},
    "onboarding.add_evidence": lambda w: {"step": "account", "url": "https://postmart.vn/shop/2"},
    "onboarding.review_evidence": lambda w: {"decision": "verify"},
    "paysign.save_sign": lambda w: {
        "bank": "970436",
        "account_number": "0011002345",
        "account_name": "NGUYEN VAN A",
    },
    "admin.new_user": lambda w: {
        "name": "Giảng viên mới",
        "email": "moi@example.vn",
        "password": "mat-khau-dai-12",
        "confirm": "mat-khau-dai-12",
        "role": "trainer",
        "province": str(QUANG_NINH),
    },
    # Unticked "active" locks the account: the confirmation page posts "confirmed".
    "admin.edit_user": lambda w: {"role": "staff", "confirmed": "1"},
    "api.tokens": lambda w: {"name": "Sở Công Thương", "province": str(QUANG_NINH)},
    "billing.set_programme_active": lambda w: {"active": "0"},
    "reports.set_definition": lambda w: {
        "province": str(QUANG_NINH),
        "min_level": "1",
        "min_courses": "0",
    },
    "privacy.close_account": lambda w: {"password": PASSWORD},
    "auth.change_password": lambda w: {
        "current": PASSWORD,
        "password": "mat-khau-moi-rat-dai-9",
        "confirm": "mat-khau-moi-rat-dai-9",
    },
}

#: Routes whose object comes in the form, not the address: another owner's business is not
#: among the choices, so the request is refused with a message (and a redirect), not a 403.
CHOSEN_IN_FORM = {"training.enrol", "training.subscribe_class_alert"}
#: An app's JSON endpoints: a visitor gets 401 in JSON, not the sign-in page.
JSON_FOR_VISITORS = {"field.sync"}

#: Each id a POST route takes, and which world object fills it: the access test's table.
ID_OBJECTS = ID_PARAMETERS


@pytest.fixture
def world(app, make_user, make_business):
    """Quảng Ninh objects none of the probing users owns or teaches: another owner's enterprise
    (trainers and staff help households only), a class taught by another trainer with an
    enrolled participant who attended, a certificate, a held payment, a draft assessment…"""
    from portal.assess import operations as assess_operations
    from portal.assess.questionnaires import choose
    from portal.training import operations as training_operations
    from tests.factories import (
        complete_with_certificate,
        create_token,
        enrol_now,
        field_household_of,
        held,
        new_training,
    )

    other_owner = make_user(name="Chủ khác")
    business = make_business(owner=other_owner, kind=BusinessKind.ENTERPRISE)
    spare = make_business(owner=other_owner, kind=BusinessKind.ENTERPRISE)
    other_trainer = make_user(role=Role.TRAINER, province_code=QUANG_NINH)
    certified = complete_with_certificate(app, other_trainer, make_business(owner=other_owner))
    running = new_training(app, other_trainer, sessions=2, first_session=held(1))
    enrolment_id = enrol_now(app, running.cohort_id, business.id)
    payment_id = paid_enrolment_in(app, other_trainer, spare).payment_id
    with app.app_context():
        enrolment = db.session.get(Enrolment, enrolment_id)
        session = db.session.get(TrainingSession, running.session_ids[0])
        training_operations.set_attendance(
            session, enrolment, True, db.session.get(User, other_trainer.id)
        )
        owner = db.session.get(User, other_owner.id)
        questionnaire = choose(enrolment.business).questionnaire
        draft, _new = assess_operations.start_assessment(enrolment.business, owner, questionnaire)
        db.session.commit()
        draft_id = draft.id
    onboarding, evidence = hanoi_onboarding(app, business)  # same rows, in its province
    with app.app_context():
        from portal.onboarding.models import Evidence, OnboardingPath

        for model, ident in ((OnboardingPath, onboarding), (Evidence, evidence)):
            db.session.get(model, ident).province_code = QUANG_NINH
        db.session.commit()
    staff = make_user(role=Role.STAFF, province_code=QUANG_NINH)
    return SimpleNamespace(
        other_trainer_id=other_trainer.id,
        commune=running.commune_code,
        spare_business_id=spare.id,
        ids={
            "business": business.id,
            "user": other_trainer.id,
            "course": running.course_id,
            "cohort": running.cohort_id,
            "session": running.session_ids[0],
            "enrolment": enrolment_id,
            "certificate": certified.certificate_id,
            "payment": payment_id,
            "programme": add_programme(app, share_pct=50, budget_vnd=1_000_000),
            "assessment": draft_id,
            "step": 1,
            "onboarding": onboarding,
            "evidence": evidence,
            "api_token": create_token(app, staff)[0],
            "import_batch": import_batch(app, make_user, QUANG_NINH),
            "field_household": field_household_of(
                app, make_user(role=Role.HELPER, province_code=QUANG_NINH), make_business()
            ),
            **alert_and_notice(app, business.id, running.course_id),
        },
    )


def _url(rule, ids: dict) -> str:
    values = {}
    for name in rule.arguments:
        assert name in ID_OBJECTS, f"{rule.rule}: add {name} to ID_OBJECTS"
        values[name] = ids[ID_OBJECTS[name]]
    url = rule.rule
    for name, value in values.items():
        url = re.sub(rf"<(?:\w+:)?{name}>", str(value), url)
    return url


#: Logs that record attempts too (the audit log notes refused requests): not the portal's data.
LOGS = {"audit_events"}


def _snapshot() -> dict:
    """Every row of every table, to compare before and after a refused request."""
    with db.engine.connect() as conn:
        return {
            table.name: sorted(map(repr, conn.execute(sa.select(table)).all()))
            for table in db.metadata.sorted_tables
            if table.name not in LOGS
        }


def _sign_in(auth, make_user, make_business, column: str):
    if column == VISITOR:
        return None
    role = Role(column)
    if role == Role.OWNER:
        # An owner of the province, so that its classes are theirs to see (not to act on).
        user = make_user()
        make_business(owner=user, kind=BusinessKind.ENTERPRISE)
        auth.login(user)
        return user
    user = make_user(
        role=role, province_code=QUANG_NINH if role.value in ("trainer", "staff") else None
    )
    auth.login(user)
    return user


@pytest.mark.parametrize("column", COLUMNS)
def test_every_post_route_refuses_whom_the_table_refuses(
    app, client, auth, make_user, make_business, column, world
):
    _sign_in(auth, make_user, make_business, column)
    probed, wrong = [], []
    with app.app_context():
        for rule, view in sorted(_post_routes(app), key=lambda rv: rv[0].rule):
            action = ACTIONS[view.permission_action]
            if action.grant(column) is YES:
                continue  # allowed: their own tests show what it does
            url = _url(rule, world.ids)
            data = FORM_DATA.get(rule.endpoint, lambda w: {})(world)
            before = _snapshot()
            response = client.post(url, data=data)
            where = (rule.endpoint, url, response.status_code)
            if column == VISITOR and rule.endpoint in JSON_FOR_VISITORS:
                refused = response.status_code == 401 and response.is_json
            elif column == VISITOR:
                refused = response.status_code == 302 and response.headers["Location"].startswith(
                    "/auth/login"
                )
            elif rule.endpoint in CHOSEN_IN_FORM and action.grant(column) is OWN:
                refused = response.status_code in (302, 403, 404)
            else:
                refused = response.status_code in (403, 404)
            db.session.remove()
            if not refused:
                wrong.append(("not refused", *where))
            if _snapshot() != before:
                wrong.append(("changed data", *where))
            probed.append(rule.endpoint)
    assert wrong == []
    assert len(probed) >= 10, probed


# ------------------------------------------------------------------------ the cases


@pytest.fixture
def trainer(make_user):
    return make_user(role=Role.TRAINER, province_code=QUANG_NINH)


def _fee(app, course_id: int) -> int:
    with app.app_context():
        return db.session.get(Course, course_id).fee_vnd


def test_trainer_cannot_set_a_fee_but_staff_can(app, client, auth, make_user, trainer):
    from tests.factories import new_training

    t = new_training(app, trainer, fee_vnd=200_000)
    auth.login(trainer)
    page = client.get(f"/training/courses/{t.course_id}/edit", headers=EN).get_data(True)
    assert "Only the province's staff set a course's fee." in unescape(page)
    assert (
        client.post(f"/training/courses/{t.course_id}/edit", data=_course_form(0)).status_code
        == 403
    )
    assert _fee(app, t.course_id) == 200_000
    # The rest of their own course they still edit (the read-only fee comes back unchanged).
    response = client.post(f"/training/courses/{t.course_id}/edit", data=_course_form(200_000))
    assert response.status_code == 302
    assert client.post("/training/courses/new", data=_course_form(50_000)).status_code == 403
    auth.logout()
    auth.login(make_user(role=Role.STAFF, province_code=QUANG_NINH))
    response = client.post(f"/training/courses/{t.course_id}/edit", data=_course_form(0))
    assert response.status_code == 302
    assert _fee(app, t.course_id) == 0


def test_trainer_edits_only_the_classes_they_teach(app, client, auth, make_user, trainer):
    from tests.factories import new_training

    colleague = make_user(role=Role.TRAINER, province_code=QUANG_NINH)
    mine, theirs = new_training(app, trainer), new_training(app, colleague)
    auth.login(trainer)
    w = SimpleNamespace(other_trainer_id=trainer.id, commune=mine.commune_code)
    assert (
        client.post(f"/training/cohorts/{mine.cohort_id}/edit", data=_cohort_form(w)).status_code
        == 302
    )
    w.other_trainer_id = colleague.id
    assert (
        client.post(f"/training/cohorts/{theirs.cohort_id}/edit", data=_cohort_form(w)).status_code
        == 403
    )
    assert client.get(f"/training/cohorts/{theirs.cohort_id}/edit").status_code == 403
    page = client.get(f"/training/cohorts/{theirs.cohort_id}", headers=EN).get_data(True)
    assert "Edit class" not in page and "Add a session" not in page
    page = client.get(f"/training/cohorts/{mine.cohort_id}", headers=EN).get_data(True)
    assert "Edit class" in page and "Add a session" in page


def test_only_owners_and_staff_edit_a_business(
    app, client, auth, make_user, make_business, trainer
):
    owner = make_user()
    business = make_business(owner=owner)
    w = SimpleNamespace(commune=business.commune_code)
    auth.login(trainer)
    assert client.get(f"/businesses/{business.id}").status_code == 200
    assert "Edit details" not in client.get(f"/businesses/{business.id}", headers=EN).get_data(True)
    assert client.post(f"/businesses/{business.id}/edit", data=_business_form(w)).status_code == 403
    with app.app_context():
        assert db.session.get(Business, business.id).name == business.name
    for user in (owner, make_user(role=Role.STAFF, province_code=QUANG_NINH)):
        auth.logout()
        auth.login(user)
        assert (
            client.post(f"/businesses/{business.id}/edit", data=_business_form(w)).status_code
            == 302
        )


@pytest.mark.parametrize(
    "path", ["/training/enrolments/{}/cancel", "/billing/enrolments/{}/cancel"]
)
def test_trainer_cannot_cancel_a_card_paid_enrolment(
    app, client, auth, make_business, trainer, path
):
    enrolment_id = card_paid_enrolment(app, trainer, make_business())
    auth.login(trainer)
    with app.app_context():
        before = _snapshot()
    response = client.post(path.format(enrolment_id), headers=EN, follow_redirects=True)
    page = unescape(response.get_data(as_text=True))
    assert "Only the province's staff can cancel it" in page and "please ask them" in page
    with app.app_context():
        assert _snapshot() == before
        assert db.session.get(Enrolment, enrolment_id).state == EnrolmentState.ENROLLED


def test_cancel_page_tells_a_trainer_to_ask_staff(app, client, auth, make_business, trainer):
    enrolment_id = card_paid_enrolment(app, trainer, make_business())
    auth.login(trainer)
    page = client.get(f"/billing/enrolments/{enrolment_id}/cancel", headers=EN).get_data(True)
    assert 'id="staff-only"' in page and "Cancel the enrolment</button>" not in page


def test_trainer_still_cancels_an_unpaid_place_in_their_class(
    app, client, auth, make_business, trainer
):
    from tests.factories import enrol_now, new_training

    t = new_training(app, trainer)
    enrolment_id = enrol_now(app, t.cohort_id, make_business().id)
    auth.login(trainer)
    assert client.post(f"/training/enrolments/{enrolment_id}/cancel").status_code == 302
    with app.app_context():
        assert db.session.get(Enrolment, enrolment_id).state == EnrolmentState.CANCELLED


def test_can_reads_ownership(app, make_user, make_business, trainer):
    from tests.factories import new_training

    owner = make_user()
    business = make_business(owner=owner)
    t = new_training(app, trainer)
    with app.app_context():
        course = db.session.get(Course, t.course_id)
        me = db.session.get(User, trainer.id)
        other = db.session.get(User, make_user(role=Role.TRAINER).id)
        assert can(me, "course.edit", course) and not can(other, "course.edit", course)
        assert can(me, "cohort.edit", course.cohorts[0])
        assert not can(other, "cohort.edit", course.cohorts[0])
        assert not can(me, "course.set_fee") and not can(me, "business.edit")
        b = db.session.get(Business, business.id)
        assert can(db.session.get(User, owner.id), "business.edit", b)
        assert not can(db.session.get(User, make_user().id), "business.edit", b)
        hanoi_staff = db.session.get(User, make_user(role=Role.STAFF, province_code=HA_NOI).id)
        assert not can(hanoi_staff, "business.edit", b)
