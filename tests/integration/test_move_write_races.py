"""A business's move at the same moment as a write that copies its province into a row of its
own (an enrolment, a listing path, evidence, a payment sign, a class alert or notice), or that
changes a row the move carries (a review of its evidence): real concurrent requests on
PostgreSQL.

Each such write locks the business (after the class, where a seat is involved) and reads its
province under the lock, as the move locks it before carrying the business's rows: the two take
turns, never wait for each other in a circle (PostgreSQL would abort one: a 503), and no row of
the business is left in the province it left. A seat in a class of the old province is refused
(the move refuses while the business holds one, so one of the two wins).
"""

from collections.abc import Callable

import pytest
import sqlalchemy as sa

from assessments.listing_paths import load_catalog
from portal import geo
from portal.auth.models import Role, User
from portal.businesses.models import Business
from portal.extensions import db
from portal.onboarding import operations as onboarding_operations
from portal.onboarding.models import Evidence, EvidenceStatus, OnboardingPath, StepProgress
from portal.paysign import operations as paysign_operations
from portal.paysign.models import PaymentSign
from portal.training import alerts
from portal.training import operations as training_operations
from portal.training.alerts import ClassAlert, ClassAlertNotice
from portal.training.models import (
    Attendance,
    Certificate,
    Cohort,
    Course,
    Enrolment,
    EnrolmentEvent,
    EnrolmentState,
    TrainingSession,
)
from tests.conftest import HA_NOI, PASSWORD, QUANG_NINH, all_at_once
from tests.factories import (
    HA_NOI_COMMUNE,
    business_form_data,
    complete_with_certificate,
    enrol_now,
    held,
    new_training,
    rebuilt_report_aggregates,
    report_aggregates,
    write_while_moving,
)

pytestmark = pytest.mark.postgres_only

#: Rounds of each race: the two requests meet in a different order from round to round.
ROUNDS = 10
QUANG_NINH_COMMUNE = int(geo.communes(QUANG_NINH)[3].code)
PATH = "postmart"


@pytest.fixture
def trainers(make_user) -> dict[int, User]:
    """A trainer in each of the two provinces the business moves between."""
    return {p: make_user(role=Role.TRAINER, province_code=p) for p in (QUANG_NINH, HA_NOI)}


def _signed_in(app, user: User):
    client = app.test_client()
    response = client.post("/auth/login", data={"login": user.login, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _province_of(app, business_id: int) -> int:
    with app.app_context():
        return db.session.get(Business, business_id).province_code


def _move_request(app, mover, business_id: int) -> tuple[int, Callable]:
    """The province the business goes to next (the other of Quảng Ninh and Hà Nội) and the
    edit page's POST that moves it there."""
    with app.app_context():
        business = db.session.get(Business, business_id)
        province, commune = (
            (HA_NOI, HA_NOI_COMMUNE)
            if business.province_code == QUANG_NINH
            else (QUANG_NINH, QUANG_NINH_COMMUNE)
        )
        form = business_form_data(
            business, province=str(province), commune=str(commune), confirm_move="1"
        )
    return province, lambda: mover.post(f"/businesses/{business_id}/edit", data=form)


def _copies(business_id: int) -> dict[str, set[int]]:
    """Every province a row of the business copies, by kind of row (payments excepted: they
    stay with the course's province)."""
    bid = business_id
    enrolments = sa.select(Enrolment.id).where(Enrolment.business_id == bid)
    paths = sa.select(OnboardingPath.id).where(OnboardingPath.business_id == bid)
    statements = {
        "enrolments": sa.select(Enrolment.province_code).where(Enrolment.business_id == bid),
        "events": sa.select(EnrolmentEvent.province_code).where(EnrolmentEvent.business_id == bid),
        "attendance": sa.select(Attendance.province_code).where(
            Attendance.enrolment_id.in_(enrolments)
        ),
        "certificates": sa.select(Certificate.province_code).where(Certificate.business_id == bid),
        "paths": sa.select(OnboardingPath.province_code).where(OnboardingPath.business_id == bid),
        "steps": sa.select(StepProgress.province_code).where(StepProgress.onboarding_id.in_(paths)),
        "evidence": sa.select(Evidence.province_code).where(Evidence.business_id == bid),
        "payment sign": sa.select(PaymentSign.province_code).where(PaymentSign.business_id == bid),
        "class alerts": sa.select(ClassAlert.province_code).where(ClassAlert.business_id == bid),
        "class notices": sa.select(ClassAlertNotice.province_code).where(
            ClassAlertNotice.business_id == bid
        ),
    }
    return {name: set(db.session.scalars(stmt)) for name, stmt in statements.items()}


def _assert_all_where_it_is(app, business_id: int) -> None:
    """No row of the business is left in another province than the business's; the business
    holds no open place in a class of another province; the report aggregates equal a rebuild."""
    with app.app_context():
        province = db.session.get(Business, business_id).province_code
        left_behind = {name: codes - {province} for name, codes in _copies(business_id).items()}
        assert not any(left_behind.values()), (province, left_behind)
        open_elsewhere = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Enrolment)
            .join(Cohort, Cohort.id == Enrolment.cohort_id)
            .where(
                Enrolment.business_id == business_id,
                Enrolment.state.in_(training_operations.OPEN_ENROLMENT_STATES),
                Cohort.province_code != province,
            )
        )
        assert open_elsewhere == 0
        assert report_aggregates() == rebuilt_report_aggregates()


def _no_server_error(*responses) -> None:
    codes = [r.status_code for r in responses]
    assert all(code < 500 for code in codes), codes


# ----------------------------------------------------------------- races over HTTP, in rounds


def test_an_enrolment_and_a_move_of_the_same_business_one_of_them_wins(
    app, make_user, make_business, trainers
):
    owner = make_user(name="Chủ hộ")
    business = make_business(owner=owner)
    enroller, mover = _signed_in(app, owner), _signed_in(app, make_user(role=Role.ADMIN))
    for _round in range(ROUNDS):
        here = _province_of(app, business.id)
        cohort_id = new_training(app, trainers[here], province_code=here).cohort_id
        province, move = _move_request(app, mover, business.id)
        enrolled, moved = all_at_once(
            [
                lambda cid=cohort_id: enroller.post(
                    f"/training/cohorts/{cid}/enrol", data={"business": str(business.id)}
                ),
                move,
            ]
        )
        _no_server_error(enrolled, moved)
        assert enrolled.status_code == 302
        with app.app_context():
            enrolment = db.session.scalar(
                sa.select(Enrolment).where(
                    Enrolment.business_id == business.id, Enrolment.cohort_id == cohort_id
                )
            )
            now = db.session.get(Business, business.id).province_code
            has_seat = enrolment is not None and enrolment.state == EnrolmentState.ENROLLED
            # Exactly one wins: the seat (the move is then refused on its page) or the move
            # (the seat in a class of the province it left is then refused).
            assert has_seat != (now == province), (enrolment and enrolment.state, now)
            assert moved.status_code == (200 if has_seat else 302)
        _assert_all_where_it_is(app, business.id)
        if has_seat:
            with app.app_context():
                enrolment = db.session.get(Enrolment, enrolment.id)
                training_operations.cancel(enrolment, db.session.get(User, owner.id))
                db.session.commit()


def test_a_listing_path_started_while_its_business_moves_starts_where_the_move_leaves_it(
    app, make_user, make_business
):
    owner = make_user(name="Chủ hộ")
    business = make_business(owner=owner)
    starter, mover = _signed_in(app, owner), _signed_in(app, make_user(role=Role.ADMIN))
    for _round in range(ROUNDS):
        province, move = _move_request(app, mover, business.id)
        started, moved = all_at_once(
            [
                lambda: starter.post(
                    f"/onboarding/businesses/{business.id}/start", data={"path": PATH}
                ),
                move,
            ]
        )
        _no_server_error(started, moved)
        assert (started.status_code, moved.status_code) == (302, 302)
        with app.app_context():
            paths = db.session.scalars(
                sa.select(OnboardingPath).where(OnboardingPath.business_id == business.id)
            ).all()
            assert [p.province_code for p in paths] == [province]
        _assert_all_where_it_is(app, business.id)
        with app.app_context():
            for path in db.session.scalars(
                sa.select(OnboardingPath).where(OnboardingPath.business_id == business.id)
            ):
                db.session.delete(path)
            db.session.commit()


def test_evidence_and_a_ticked_step_sent_while_the_business_moves_go_where_it_moved(
    app, make_user, make_business
):
    owner = make_user(name="Chủ hộ")
    business = make_business(owner=owner)
    owner_client, mover = _signed_in(app, owner), _signed_in(app, make_user(role=Role.ADMIN))
    started = owner_client.post(f"/onboarding/businesses/{business.id}/start", data={"path": PATH})
    onboarding_id = int(started.headers["Location"].rsplit("/", 1)[1])
    steps = [s.id for s in load_catalog().get(PATH).steps]
    for number in range(ROUNDS):
        province, move = _move_request(app, mover, business.id)
        sent, ticked, moved = all_at_once(
            [
                lambda n=number: owner_client.post(
                    f"/onboarding/{onboarding_id}/evidence",
                    data={"url": f"https://postmart.vn/shop/{n}"},
                ),
                lambda n=number: owner_client.post(
                    f"/onboarding/{onboarding_id}/steps",
                    data={"step": steps[n % len(steps)], "done": "1" if n % 2 == 0 else "0"},
                ),
                move,
            ]
        )
        _no_server_error(sent, ticked, moved)
        assert (sent.status_code, ticked.status_code, moved.status_code) == (302, 302, 302)
        with app.app_context():
            assert db.session.get(Business, business.id).province_code == province
            assert (
                db.session.scalar(
                    sa.select(sa.func.count()).where(Evidence.business_id == business.id)
                )
                == number + 1
            )
        _assert_all_where_it_is(app, business.id)


def test_a_review_of_evidence_and_a_move_of_its_business_take_turns(app, make_user, make_business):
    """The review changes a row the move carries: both lock the business first. A reviewer of
    the province the business left is refused once it has moved."""
    owner = make_user(name="Chủ hộ")
    business = make_business(owner=owner)
    owner_client = _signed_in(app, owner)
    reviewer = _signed_in(app, make_user(role=Role.STAFF, province_code=QUANG_NINH))
    mover = _signed_in(app, make_user(role=Role.ADMIN))
    started = owner_client.post(f"/onboarding/businesses/{business.id}/start", data={"path": PATH})
    onboarding_id = int(started.headers["Location"].rsplit("/", 1)[1])
    for number in range(ROUNDS):
        if _province_of(app, business.id) != QUANG_NINH:
            _province, move_back = _move_request(app, mover, business.id)
            assert move_back().status_code == 302
        owner_client.post(
            f"/onboarding/{onboarding_id}/evidence", data={"url": f"https://voso.vn/{number}"}
        )
        with app.app_context():
            evidence_id = db.session.scalar(
                sa.select(sa.func.max(Evidence.id)).where(Evidence.business_id == business.id)
            )
        _province, move = _move_request(app, mover, business.id)
        reviewed, moved = all_at_once(
            [
                lambda eid=evidence_id: reviewer.post(
                    f"/onboarding/evidence/{eid}/review", data={"decision": "verify"}
                ),
                move,
            ]
        )
        _no_server_error(reviewed, moved)
        assert (reviewed.status_code, moved.status_code) == (302, 302)
        with app.app_context():
            status = db.session.get(Evidence, evidence_id).status
            # Verified before the move, or refused after it (the reviewer's province is left).
            assert status in (EvidenceStatus.VERIFIED, EvidenceStatus.PENDING)
        _assert_all_where_it_is(app, business.id)


def test_attendance_of_a_completed_participant_and_a_move_take_turns(
    app, make_user, make_business, trainers
):
    """A participant who completed a class may move; attendance marked at that moment (a
    correction) is written where the enrolment is, and neither waits for the other in a
    circle."""
    business = make_business()
    done = complete_with_certificate(app, trainers[QUANG_NINH], business)
    admin = make_user(role=Role.ADMIN)
    marker, mover = _signed_in(app, admin), _signed_in(app, admin)
    mark = f"/training/sessions/{done.session_ids[0]}/attendance/{done.enrolment_id}"
    for number in range(ROUNDS):
        province, move = _move_request(app, mover, business.id)
        marked, moved = all_at_once(
            [lambda n=number: marker.post(mark, data={"present": str(n % 2)}), move]
        )
        _no_server_error(marked, moved)
        assert (marked.status_code, moved.status_code) == (302, 302)
        with app.app_context():
            assert db.session.get(Business, business.id).province_code == province
            present = db.session.scalar(
                sa.select(Attendance.present).where(Attendance.enrolment_id == done.enrolment_id)
            )
            assert present is (number % 2 == 1)
        _assert_all_where_it_is(app, business.id)


def test_a_certificate_withdrawn_as_its_business_moves_is_withdrawn_where_it_moved(
    app, make_user, make_business, trainers
):
    business = make_business()
    admin = make_user(role=Role.ADMIN)
    withdrawer, mover = _signed_in(app, admin), _signed_in(app, admin)
    for _round in range(ROUNDS // 2):
        here = _province_of(app, business.id)
        with app.app_context():
            as_now = db.session.get(Business, business.id)
            db.session.expunge(as_now)
        done = complete_with_certificate(app, trainers[here], as_now)
        province, move = _move_request(app, mover, business.id)
        withdrawn, moved = all_at_once(
            [
                lambda cid=done.certificate_id: withdrawer.post(
                    f"/training/certificates/{cid}/withdraw", data={"reason": "Nhầm lớp"}
                ),
                move,
            ]
        )
        _no_server_error(withdrawn, moved)
        assert (withdrawn.status_code, moved.status_code) == (302, 302)
        with app.app_context():
            certificate = db.session.get(Certificate, done.certificate_id)
            assert certificate.revoked_at is not None
            assert certificate.province_code == province
        _assert_all_where_it_is(app, business.id)


def test_an_assignment_accepted_and_declined_at_the_same_moment_is_answered_once(
    app, make_user, make_business, trainers
):
    """The two answers take turns on the business: the second finds the class answered."""
    owner = make_user()
    business = make_business(owner=owner)
    accepting, declining = _signed_in(app, owner), _signed_in(app, owner)
    for _round in range(ROUNDS):
        t = new_training(app, trainers[QUANG_NINH])
        with app.app_context():
            cohort = db.session.get(Cohort, t.cohort_id)
            training_operations.assign(
                cohort, [db.session.get(Business, business.id)], _user(trainers[QUANG_NINH].id)
            )
            db.session.commit()
            enrolment_id = db.session.scalar(
                sa.select(Enrolment.id).where(Enrolment.cohort_id == t.cohort_id)
            )
        accepted, declined = all_at_once(
            [
                lambda eid=enrolment_id: accepting.post(f"/training/enrolments/{eid}/accept"),
                lambda eid=enrolment_id: declining.post(f"/training/enrolments/{eid}/decline"),
            ]
        )
        _no_server_error(accepted, declined)
        with app.app_context():
            state = db.session.get(Enrolment, enrolment_id).state
            answers = db.session.scalars(
                sa.select(EnrolmentEvent.state)
                .where(EnrolmentEvent.enrolment_id == enrolment_id)
                .order_by(EnrolmentEvent.id)
            ).all()
        assert state in (EnrolmentState.ENROLLED, EnrolmentState.DECLINED)
        assert [a.value for a in answers] == ["assigned", state.value]
        with app.app_context():
            if state == EnrolmentState.ENROLLED:
                training_operations.cancel(db.session.get(Enrolment, enrolment_id), _user(owner.id))
                db.session.commit()
        _assert_all_where_it_is(app, business.id)


def test_attendance_and_the_completion_of_the_class_take_turns(
    app, make_user, make_business, trainers
):
    """Marking attendance takes the class (shared) before the participant's enrolment, as a
    completion takes the class before the enrolments it completes: no wait in a circle."""
    trainer = trainers[QUANG_NINH]
    marker, completer = _signed_in(app, trainer), _signed_in(app, trainer)
    for _round in range(ROUNDS):
        t = new_training(app, trainer, sessions=2, first_session=held(2))
        first = make_business()
        second = make_business()
        enrolments = [enrol_now(app, t.cohort_id, b.id) for b in (first, second)]
        with app.app_context():
            for session_id in t.session_ids:
                for enrolment_id in enrolments:
                    # The first participant marked absent from the second session: the race
                    # marks them present (an event naming the class) or the class completes
                    # without them.
                    training_operations.set_attendance(
                        db.session.get(TrainingSession, session_id),
                        db.session.get(Enrolment, enrolment_id),
                        (session_id, enrolment_id) != (t.session_ids[1], enrolments[0]),
                        _user(trainer.id),
                    )
            db.session.commit()
        mark = f"/training/sessions/{t.session_ids[1]}/attendance/{enrolments[0]}"
        marked, completed = all_at_once(
            [
                lambda mark=mark: marker.post(mark, data={"present": "1"}),
                lambda cid=t.cohort_id: completer.post(f"/training/cohorts/{cid}/completion"),
            ]
        )
        _no_server_error(marked, completed)
        assert (marked.status_code, completed.status_code) == (302, 302)
        with app.app_context():
            first_state, second_state = (db.session.get(Enrolment, e).state for e in enrolments)
            assert second_state == EnrolmentState.COMPLETED
            assert first_state in (EnrolmentState.COMPLETED, EnrolmentState.ENROLLED)
        for business in (first, second):
            _assert_all_where_it_is(app, business.id)


# ------------------------------------------- the narrow case, made certain, for every write


def _user(user_id: int) -> User:
    return db.session.get(User, user_id)


def test_a_seat_asked_with_the_business_read_before_a_move_is_refused(
    app, make_user, make_business, trainers
):
    owner = make_user()
    business = make_business(owner=owner)
    t = new_training(app, trainers[QUANG_NINH])

    def enrol(read_before):
        cohort = db.session.get(Cohort, t.cohort_id)
        return training_operations.enrol(cohort, read_before, _user(owner.id)).id

    outcome = write_while_moving(app, business.id, make_user(role=Role.ADMIN), enrol)
    assert outcome.get("refused") == "other_province", outcome
    _assert_all_where_it_is(app, business.id)


def test_an_assignment_with_the_business_read_before_a_move_is_refused(
    app, make_user, make_business, trainers
):
    business = make_business()
    t = new_training(app, trainers[QUANG_NINH])

    def assign(read_before):
        cohort = db.session.get(Cohort, t.cohort_id)
        return training_operations.assign(cohort, [read_before], _user(trainers[QUANG_NINH].id))

    outcome = write_while_moving(app, business.id, make_user(role=Role.ADMIN), assign)
    assert outcome.get("refused") == "other_province", outcome
    _assert_all_where_it_is(app, business.id)


#: Writes of a row copying the business's province, each given the business as read before
#: the move (and the id of its owner).
WRITES = {
    "paths": lambda b, owner: (
        onboarding_operations.start_path(b, load_catalog().get(PATH), owner).id
    ),
    "evidence": lambda b, owner: (
        onboarding_operations.add_evidence(
            _path_of(b), owner, step_id=None, url="https://postmart.vn/shop/1"
        ).id
    ),
    "steps": lambda b, owner: onboarding_operations.set_step_done(
        _path_of(b), load_catalog().get(PATH).steps[0].id, True, owner
    ),
    "payment sign": lambda b, owner: (
        paysign_operations.save_sign(
            b,
            owner,
            bank_bin="970436",
            account_number="0011002345678",
            account_name="NGUYEN THI HOA",
            amount_vnd=None,
            message="Tien hang",
        ).id
    ),
    "class alerts": lambda b, _owner: alerts.subscribe(b, topic="ecommerce", province_wide=True).id,
}


@pytest.mark.parametrize("rows", list(WRITES))
def test_a_row_written_with_the_business_read_before_a_move_is_written_where_it_moved(
    app, make_user, make_business, rows
):
    """Each write waits for the move and writes its row in Hà Nội (before the fix: in Quảng
    Ninh, which the business had left)."""
    owner = make_user()
    business = make_business(owner=owner)
    if rows in ("evidence", "steps"):
        with app.app_context():
            onboarding_operations.start_path(
                db.session.get(Business, business.id), load_catalog().get(PATH), _user(owner.id)
            )
            db.session.commit()

    def write(read_before):
        return WRITES[rows](read_before, _user(owner.id))

    outcome = write_while_moving(app, business.id, make_user(role=Role.ADMIN), write)
    assert "refused" not in outcome, outcome
    with app.app_context():
        assert _copies(business.id)[rows] == {HA_NOI}
    _assert_all_where_it_is(app, business.id)


def _path_of(business: Business) -> OnboardingPath:
    return db.session.scalars(
        sa.select(OnboardingPath).where(OnboardingPath.business_id == business.id)
    ).one()


def test_a_class_opened_as_its_alerting_business_moves_leaves_it_no_notice(
    app, make_user, make_business, trainers
):
    """The class's notices are written for the businesses still in its province: a business
    that moves meanwhile gets none in the province it leaves."""
    owner = make_user()
    business = make_business(owner=owner)
    t = new_training(app, trainers[QUANG_NINH])
    with app.app_context():
        alerts.subscribe(
            db.session.get(Business, business.id),
            course=db.session.get(Course, t.course_id),
            province_wide=True,
        )
        db.session.commit()

    def open_class(_read_before):
        course = db.session.get(Course, t.course_id)
        return training_operations.create_cohort(
            course,
            commune_code=t.commune_code,
            venue="Nhà văn hoá thôn 2",
            online_link="",
            capacity=10,
            enrolment_deadline=db.session.get(Cohort, t.cohort_id).enrolment_deadline,
        ).id

    outcome = write_while_moving(app, business.id, make_user(role=Role.ADMIN), open_class)
    assert outcome.get("written"), outcome
    with app.app_context():
        assert _copies(business.id)["class notices"] == set()
    _assert_all_where_it_is(app, business.id)
