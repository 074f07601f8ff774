"""Destructive actions ask first: a page (GET) says what the action affects and changes nothing;
its form (POST, with the CSRF token, no JavaScript needed) does it."""

from datetime import date
from html import unescape

import sqlalchemy as sa

from portal.api.models import ApiToken
from portal.auth.models import Role, User
from portal.billing.models import Payment, PaymentStatus
from portal.extensions import db
from portal.reports.models import ProvinceTarget
from portal.reports.targets import TargetMetric
from portal.training.models import Enrolment, EnrolmentState
from tests.conftest import QUANG_NINH
from tests.factories import card_paid_enrolment, create_token, enrol_now, new_training

EN = {"Accept-Language": "en"}


def confirm_page(client, url: str) -> str:
    response = client.get(url, headers=EN)
    assert response.status_code == 200, url
    page = unescape(response.get_data(as_text=True))
    form = page[page.index('id="confirm-form"') :]
    assert f'action="{url.split("?")[0]}"' in page and 'name="csrf_token"' in form
    assert 'id="effects"' in page
    assert "Go back without changing anything" in page or "Keep the place" in page
    return page


def test_removing_a_target_shows_what_it_affects_first(app, client, auth, make_user):
    with app.app_context():
        db.session.add(
            ProvinceTarget(
                province_code=QUANG_NINH,
                metric=TargetMetric.DIGITAL_BUSINESSES,
                target=500,
                by_year=2030,
                start_on=date(2026, 1, 1),
            )
        )
        db.session.commit()
    auth.login(make_user(role=Role.STAFF))
    dashboard = client.get("/reports/", headers=EN).get_data(as_text=True)
    url = f"/reports/target/remove?province={QUANG_NINH}&amp;metric=digital_businesses"
    assert f'href="{url}"' in dashboard  # a link to the question, not a one-tap form

    page = confirm_page(client, unescape(url))
    assert "Remove the target?" in page and "Digital businesses: 500 by 2030" in page
    assert "needed line of the trajectory" in page and "figures themselves do not change" in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ProvinceTarget)) == 1

    client.post(
        "/reports/target/remove", data={"province": QUANG_NINH, "metric": "digital_businesses"}
    )
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ProvinceTarget)) == 0
    # Asked again, nothing is left to confirm.
    assert client.get(unescape(url)).status_code == 302


def test_cancelling_an_enrolment_says_the_place_goes_to_the_waiting_list(
    app, client, auth, make_user, make_business
):
    owner = make_user()
    business = make_business(owner=owner, name="Hợp tác xã Chè Ba Chẽ")
    trainer = make_user(role=Role.TRAINER)
    training = new_training(app, trainer, title_en="Selling online")
    enrolment_id = enrol_now(app, training.cohort_id, business.id)
    url = f"/training/enrolments/{enrolment_id}/cancel"

    auth.login(owner)
    mine = client.get("/training/mine", headers=EN).get_data(as_text=True)
    assert f'href="{url}"' in mine and f'action="{url}"' not in mine
    page = confirm_page(client, url)
    assert "Cancel the enrolment?" in page and "Selling online" in page
    assert "Hợp tác xã Chè Ba Chẽ loses its place in this class." in page
    assert "waiting list" in page
    assert _state(app, enrolment_id) == EnrolmentState.ENROLLED

    client.post(url)
    assert _state(app, enrolment_id) == EnrolmentState.CANCELLED
    assert client.get(url).status_code == 404  # nothing left to cancel

    # The trainer's class page links to the same question.
    other = enrol_now(app, training.cohort_id, make_business().id)
    auth.logout()
    auth.login(trainer)
    cohort = client.get(f"/training/cohorts/{training.cohort_id}").get_data(as_text=True)
    assert f'href="/training/enrolments/{other}/cancel"' in cohort


def test_a_paid_place_is_cancelled_on_the_page_that_speaks_of_the_money(
    app, client, auth, make_user, make_business
):
    trainer = make_user(role=Role.TRAINER)
    enrolment_id = card_paid_enrolment(app, trainer, make_business())
    auth.login(trainer)
    response = client.get(f"/training/enrolments/{enrolment_id}/cancel")
    assert response.status_code == 302
    assert response.location.endswith(f"/billing/enrolments/{enrolment_id}/cancel")


def test_a_refund_by_hand_says_how_much_goes_back_and_what_stays(
    app, client, auth, make_user, make_business
):
    trainer = make_user(role=Role.TRAINER)
    enrolment_id = card_paid_enrolment(app, trainer, make_business(name="Cửa hàng Mai"))
    with app.app_context():
        payment_id = db.session.scalar(
            sa.select(Payment.id).where(Payment.enrolment_id == enrolment_id)
        )
    auth.login(make_user(role=Role.STAFF))
    report = client.get("/billing/report", headers=EN).get_data(as_text=True)
    url = f"/billing/payments/{payment_id}/refund"
    assert f'href="{url}"' in report and f'action="{url}"' not in report
    page = confirm_page(client, url)
    assert "Refund the payment?" in page and "Cửa hàng Mai" in page
    assert "goes back to the card" in page and "place in the class stays taken" in page
    with app.app_context():
        assert db.session.get(Payment, payment_id).status == PaymentStatus.SUCCEEDED


def test_revoking_an_api_token_says_which_systems_stop(app, client, auth, make_user):
    staff = make_user(role=Role.STAFF)
    token_id, _plaintext = create_token(app, staff, name="Cổng dữ liệu tỉnh")
    auth.login(staff)
    url = f"/api/tokens/{token_id}/revoke"
    assert f'href="{url}"' in client.get("/api/tokens", headers=EN).get_data(as_text=True)
    page = confirm_page(client, url)
    assert "Revoke the token?" in page and "Cổng dữ liệu tỉnh" in page
    assert "stops at once" in page
    with app.app_context():
        assert db.session.get(ApiToken, token_id).revoked_at is None
    client.post(url)
    with app.app_context():
        assert db.session.get(ApiToken, token_id).revoked_at is not None


def test_locking_an_account_asks_first(app, client, auth, make_user):
    trainer = make_user(role=Role.TRAINER, name="Lê Văn Giảng")
    auth.login(make_user(role=Role.ADMIN))
    url = f"/admin/users/{trainer.id}"
    # "Active" unticked and saved: the answer is the question, and nothing changes yet.
    response = client.post(url, data={"role": "trainer"}, headers=EN)
    page = unescape(response.get_data(as_text=True))
    assert "Lock the account?" in page and "Lê Văn Giảng is signed out everywhere" in page
    assert 'name="confirmed" value="1"' in page and 'name="csrf_token"' in page
    assert _active(app, trainer.id) is True
    client.post(url, data={"role": "trainer", "confirmed": "1"})
    assert _active(app, trainer.id) is False
    # Unlocking needs no question.
    client.post(url, data={"role": "trainer", "active": "y"})
    assert _active(app, trainer.id) is True


def _state(app, enrolment_id: int) -> EnrolmentState:
    with app.app_context():
        return db.session.get(Enrolment, enrolment_id).state


def _active(app, user_id: int) -> bool:
    with app.app_context():
        return db.session.get(User, user_id).active
