"""Owners still in a class hear by mail, in their language, when a session moves or is cancelled."""

import pytest

from portal.auth.models import Role
from portal.extensions import db
from portal.training import operations
from portal.training.models import Enrolment
from tests.factories import enrol_now, new_training


@pytest.fixture
def outbox(app):
    box = app.extensions["mailman"].outbox
    box.clear()
    return box


@pytest.fixture
def classroom(app, make_user, make_business):
    """A class of three sessions with a Vietnamese owner, an English one and one who left."""
    trainer = make_user(role=Role.TRAINER)
    t = new_training(app, trainer, title_en="Selling on Zalo", sessions=3)
    lan = make_user(name="Nguyễn Thị Lan", email="lan@example.vn")
    john = make_user(name="John Smith", email="john@example.vn", locale="en")
    left = make_user(name="Đã hủy", email="left@example.vn")
    for owner in (lan, john, left):
        enrol_now(app, t.cohort_id, make_business(owner=owner).id)
    with app.app_context():
        # The last enrolled (the rows' order on disk is not theirs: a table emptied by DELETE
        # reuses its space).
        enrolments = db.session.query(Enrolment).filter_by(cohort_id=t.cohort_id)
        enrolment = enrolments.order_by(Enrolment.id.desc()).first()
        operations.cancel(enrolment, db.session.get(type(left), left.id))
        db.session.commit()
    return trainer, t


def test_a_moved_session_is_announced_to_each_owner_in_their_language(
    client, auth, outbox, classroom
):
    trainer, t = classroom
    auth.login(trainer)
    response = client.post(
        f"/training/sessions/{t.session_ids[1]}/edit",
        data={"starts_at": "2031-05-17T09:30", "duration_minutes": "90"},
    )
    assert response.status_code == 302
    by_address = {message.to[0]: message for message in outbox}
    assert set(by_address) == {"lan@example.vn", "john@example.vn"}
    english = by_address["john@example.vn"]
    assert english.subject == "A session of “Selling on Zalo” has moved"
    assert "Hello John Smith," in english.body
    assert "now takes place on 17 May 2031, 09:30" in english.body
    assert "/training/mine" in english.body
    vietnamese = by_address["lan@example.vn"]
    assert vietnamese.subject.startswith("Buổi học của khóa")
    assert "Xin chào Nguyễn Thị Lan," in vietnamese.body
    assert "17/05/2031 09:30" in vietnamese.body


def test_a_removed_session_is_announced_as_cancelled(client, auth, outbox, classroom):
    trainer, t = classroom
    auth.login(trainer)
    client.post(f"/training/sessions/{t.session_ids[2]}/remove")
    english = next(m for m in outbox if m.to == ["john@example.vn"])
    assert english.subject == "A session of “Selling on Zalo” is cancelled"
    assert "The other sessions of the class stay as planned." in english.body
    assert len(outbox) == 2


def test_a_refused_removal_sends_nothing(app, client, auth, outbox, classroom):
    trainer, t = classroom
    client.post(f"/training/sessions/{t.session_ids[0]}/remove")  # not signed in: refused
    auth.login(trainer)
    client.post(f"/training/sessions/{t.session_ids[0]}/edit", data={"starts_at": "nonsense"})
    assert outbox == []
