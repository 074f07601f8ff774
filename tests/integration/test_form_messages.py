"""Every message of every form is in the person's language, WTForms' own ones included.

Each form of the portal is submitted empty and with wrong values on a Vietnamese page and on
an English one; a message that reads the same in both has not been translated. Forms are
found as subclasses of PortalForm, so a new form is checked without being listed here.
"""

import importlib
import inspect
import pkgutil

import pytest
from flask_login import login_user

import portal
from portal.auth.models import Role, User
from portal.extensions import db
from portal.forms import PortalForm
from portal.training.models import CourseFormat
from tests.conftest import QUANG_NINH

#: What the forms that need to know their context are given.
CONTEXT = {
    "course_format": CourseFormat.BLENDED,
    "province_code": QUANG_NINH,
    "trainers": [],
    "steps": [("photos", "Photos")],
    "is_admin": False,
    "asks_phone": True,
    "communes": [],
}
COURSE = {
    "title_vi": "Thanh toán số cho hộ kinh doanh",
    "title_en": "Digital payments for household businesses",
    "topic": "digital_payments",
    "dimensions": ["payments"],
    "audience": "household",
    "format": "in_person",
    "duration_hours": "6",
    "min_attendance_pct": "75",
    "active": "y",
}
WRONG = {
    "empty": lambda name: "",
    "not a number or day": lambda name: "abc",
    "negative": lambda name: "-1",
    "huge": lambda name: "9" * 30,
    "ambiguous number": lambda name: "1,000",
    "out-of-range day": lambda name: "0001-01-01",
    "too long": lambda name: "x" * 5000,
}


def all_forms() -> list[type]:
    for module in pkgutil.walk_packages(portal.__path__, "portal."):
        if module.name.endswith(".forms"):
            importlib.import_module(module.name)
    found, todo = [], [PortalForm]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls is not PortalForm:
            found.append(cls)
    return sorted(found, key=lambda c: f"{c.__module__}.{c.__name__}")


def _messages(app, form_class, data, lang, user_id) -> dict[str, list[str]]:
    with app.test_request_context(
        "/", method="POST", data=data, headers={"Accept-Language": lang}
    ):
        login_user(db.session.get(User, user_id))
        form = form_class(**_context_for(form_class.__init__))
        if hasattr(form, "setup"):
            form.setup(**_context_for(form.setup))
        form.validate()
        return {name: [str(m) for m in errors] for name, errors in _flat(form.errors).items()}


def _context_for(function) -> dict:
    params = inspect.signature(function).parameters
    return {k: v for k, v in CONTEXT.items() if k in params}


def _flat(errors) -> dict[str, list]:
    return {k: v if isinstance(v, list) else [v] for k, v in errors.items() if v}


@pytest.mark.parametrize("form_class", all_forms(), ids=lambda c: c.__name__)
def test_every_form_message_is_translated(app, make_user, form_class):
    staff = make_user(role=Role.STAFF, locale=None)
    fields = [name for name, _ in _unbound_fields(form_class)]
    for case, value in WRONG.items():
        data = {name: value(name) for name in fields}
        vi = _messages(app, form_class, data, "vi", staff.id)
        en = _messages(app, form_class, data, "en", staff.id)
        # "1,000" is wrong on a Vietnamese page only: compare the fields wrong in both.
        for field in vi.keys() & en.keys():
            # A field may get more messages in one language (a number read two ways there).
            same = set(vi[field]) & set(en[field])
            assert not same, f"{form_class.__name__}.{field} ({case}): {same!r}"


def _unbound_fields(form_class):
    from wtforms.fields.core import UnboundField

    seen = {}
    for klass in reversed(form_class.__mro__):
        seen.update({k: v for k, v in vars(klass).items() if isinstance(v, UnboundField)})
    return list(seen.items())


def test_wtforms_own_messages_are_vietnamese_on_a_staff_page(client, auth, make_user):
    """The session form's number fields keep WTForms' range message: it comes translated."""
    auth.login(make_user(role=Role.STAFF))
    page = client.post("/training/courses/new", data={}).get_data(as_text=True)
    assert "This field is required." not in page and "Not a valid" not in page
    assert 'class="error"' in page


@pytest.mark.parametrize(
    ("typed", "lang", "stored", "shown"),
    [
        ("50.000.000", "vi", 50_000_000, "50.000.000"),
        ("50.000.000 ₫", "vi", 50_000_000, "50.000.000"),
        ("50,000,000", "en", 50_000_000, "50,000,000"),
        ("150000", "vi", 150_000, "150.000"),
    ],
)
def test_a_fee_is_read_and_shown_the_way_the_page_writes_numbers(
    app, client, auth, make_user, typed, lang, stored, shown
):
    auth.login(make_user(role=Role.STAFF, locale=lang))
    response = client.post("/training/courses/new", data=COURSE | {"fee_vnd": typed})
    assert response.status_code == 302, response.get_data(as_text=True)
    edit = response.headers["Location"].rstrip("/") + "/edit"
    assert f'value="{shown}"' in client.get(edit).get_data(as_text=True)
    with app.app_context():
        from portal.training.models import Course

        assert db.session.scalar(db.select(Course.fee_vnd)) == stored


@pytest.mark.parametrize(
    ("typed", "lang", "message"),
    [
        ("1,000", "vi", "“1,000” có thể hiểu theo hai cách: hãy viết 1.000 hoặc 1."),
        ("50,000,000", "vi", "50.000.000"),
        ("2,5", "vi", "Hãy nhập một số nguyên, ví dụ 2."),
        ("1.000", "en", "“1.000” can be read two ways: please write 1,000 or 1."),
        ("abc", "en", "Enter a whole number, such as 1,000."),
    ],
)
def test_a_number_that_is_not_clear_is_refused_with_the_right_form(
    app, client, auth, make_user, typed, lang, message
):
    auth.login(make_user(role=Role.STAFF, locale=lang))
    response = client.post("/training/courses/new", data=COURSE | {"fee_vnd": typed})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
