"""Every route declares who may use it; nobody sees what is not theirs."""

import re

import pytest

from portal.auth.models import Role
from portal.inputs import IdConverter
from tests.conftest import HA_NOI, QUANG_NINH
from tests.factories import (
    ID_PARAMETERS,
    alert_and_notice,
    complete_with_certificate,
    create_token,
    hanoi_field_household,
    hanoi_onboarding,
    hanoi_payment,
    hanoi_programme,
    import_batch,
    submitted_assessment,
)


def test_every_route_declares_an_access_rule(app):
    missing = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        and not hasattr(app.view_functions[rule.endpoint], "access_rule")
    ]
    assert missing == []


def _id_routes(app):
    for rule in app.url_map.iter_rules():
        params = [p for p in rule.arguments if isinstance(rule._converters[p], IdConverter)]
        if params:
            yield rule, params


def test_every_id_parameter_is_covered_by_the_province_test(app):
    unknown = {p for _rule, params in _id_routes(app) for p in params} - set(ID_PARAMETERS)
    assert unknown == set()


@pytest.fixture
def other_province_objects(app, make_user, make_business):
    """Objects that belong to Hà Nội, to be probed by users of Quảng Ninh."""
    business = make_business(province_code=HA_NOI)
    trainer = make_user(role=Role.TRAINER, province_code=HA_NOI)
    training = complete_with_certificate(app, trainer, business)
    onboarding, evidence = hanoi_onboarding(app, business)
    return {
        "business": business.id,
        "user": trainer.id,
        "course": training.course_id,
        "cohort": training.cohort_id,
        "session": training.session_ids[0],
        "enrolment": training.enrolment_id,
        "certificate": training.certificate_id,
        "payment": hanoi_payment(app, make_user, make_business),
        "programme": hanoi_programme(app),
        "assessment": submitted_assessment(app, business),
        "step": 1,
        "onboarding": onboarding,
        "evidence": evidence,
        "api_token": create_token(app, make_user(role=Role.STAFF, province_code=HA_NOI))[0],
        "field_household": hanoi_field_household(app, make_user, business),
        "import_batch": import_batch(app, make_user),
        **alert_and_notice(app, business.id, training.course_id),
    }


@pytest.mark.parametrize("role", [Role.STAFF, Role.TRAINER, Role.OWNER])
def test_no_route_shows_another_province_object(
    app, client, auth, make_user, role, other_province_objects
):
    auth.login(make_user(role=role, province_code=QUANG_NINH if role != Role.OWNER else None))
    checked = 0
    for rule, params in _id_routes(app):
        url = rule.rule
        for p in params:
            url = re.sub(rf"<int:{p}>", str(other_province_objects[ID_PARAMETERS[p]]), url)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method, data={})
            assert response.status_code in (403, 404), (method, url, response.status_code)
            checked += 1
    assert checked >= 3


def test_owner_cannot_open_another_owners_business(client, auth, make_user, make_business):
    owner = make_user()
    mine = make_business(owner=owner)
    theirs = make_business()  # same province, other owner
    auth.login(owner)
    assert client.get(f"/businesses/{mine.id}").status_code == 200
    assert client.get(f"/businesses/{theirs.id}").status_code == 404
    assert client.post(f"/businesses/{theirs.id}/edit", data={}).status_code == 404
    page = client.get("/businesses/").get_data(as_text=True)
    assert mine.name in page and theirs.name not in page


def test_staff_list_shows_only_their_province(client, auth, make_user, make_business):
    here = make_business(province_code=QUANG_NINH)
    there = make_business(province_code=HA_NOI)
    auth.login(make_user(role=Role.STAFF, province_code=QUANG_NINH))
    page = client.get("/businesses/").get_data(as_text=True)
    assert here.name in page and there.name not in page
    assert client.get(f"/businesses/{here.id}").status_code == 200


def test_staff_list_goes_fifty_a_page_within_the_commune_chosen(
    client, auth, make_user, make_business
):
    from portal import geo

    commune = int(geo.communes(QUANG_NINH)[1].code)
    owner = make_user()
    for n in range(51):
        make_business(owner=owner, name=f"Cơ sở {n:02d}", commune_code=commune)
    make_business(owner=owner, name="Cơ sở xã khác")
    auth.login(make_user(role=Role.STAFF, province_code=QUANG_NINH))
    first = client.get(f"/businesses/?commune={commune}", headers={"Accept-Language": "en"})
    page = first.get_data(as_text=True)
    assert "Cơ sở 49" in page and "Cơ sở 50" not in page and "Cơ sở xã khác" not in page
    assert "Page 1 of 2" in page and ">Previous<" not in page
    assert f'href="/businesses/?page=2&amp;commune={commune}">Next<' in page
    page = client.get(f"/businesses/?page=2&commune={commune}").get_data(as_text=True)
    assert "Cơ sở 50" in page and "Cơ sở 49" not in page
    assert "Trang 2 / 2" in page and ">Trang sau<" not in page
    assert f'href="/businesses/?page=1&amp;commune={commune}"' in page


def test_staff_cannot_move_a_business_to_another_province(client, auth, make_user, make_business):
    from portal import geo

    business = make_business(province_code=QUANG_NINH)
    auth.login(make_user(role=Role.STAFF, province_code=QUANG_NINH))
    response = client.post(
        f"/businesses/{business.id}/edit",
        data={
            "business_name": "X",
            "kind": "household",
            "sector": "other",
            "size": "family",
            "province": str(HA_NOI),
            "commune": str(int(geo.communes(HA_NOI)[0].code)),
        },
    )
    assert response.status_code == 200
    assert "Hãy chọn tỉnh" in response.get_data(as_text=True)


def test_staff_create_accounts_only_for_their_province(client, auth, make_user):
    auth.login(make_user(role=Role.STAFF, province_code=QUANG_NINH))
    data = {
        "name": "Giảng viên mới",
        "email": "gv@example.vn",
        "password": "mat-khau-dai-12",
        "confirm": "mat-khau-dai-12",
        "role": "trainer",
    }
    response = client.post("/admin/users/new", data=data | {"province": str(HA_NOI)})
    assert response.status_code == 200
    assert "Hãy chọn tỉnh" in response.get_data(as_text=True)
    response = client.post("/admin/users/new", data=data | {"province": str(QUANG_NINH)})
    assert response.status_code == 302
    assert "Giảng viên mới" in client.get("/admin/users").get_data(as_text=True)


def test_national_admin_sees_every_province(client, auth, make_user, make_business):
    here = make_business(province_code=QUANG_NINH)
    there = make_business(province_code=HA_NOI)
    auth.login(make_user(role=Role.ADMIN))
    page = client.get("/businesses/").get_data(as_text=True)
    assert here.name in page and there.name in page
    page = client.get("/admin/provinces").get_data(as_text=True)
    assert "Quảng Ninh" in page and page.count("<tr>") == 35


@pytest.mark.parametrize("url", ["/admin/users", "/admin/users/new", "/admin/provinces"])
def test_owners_and_trainers_cannot_manage_accounts(client, auth, make_user, url):
    auth.login(make_user(role=Role.TRAINER))
    assert client.get(url).status_code == 403
    assert "Bạn không có quyền mở trang này" in client.get(url).get_data(as_text=True)


def test_signed_out_visitor_is_sent_to_sign_in(client):
    response = client.get("/businesses/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login?next=")
