"""No input answers 500: every route, each role, GET and POST, with hostile values.

The walk takes the routes from the URL map, so a new route is probed without being listed here.
Ids in the path are either real ones (so that the view's body runs) or hostile integers; query
strings and form bodies carry the common parameter names and every field name of the portal's
forms, with hostile values: integers beyond 64 bits, negative numbers, days far out of range,
Unicode digits, empty and over-long text, NUL bytes (PostgreSQL refuses them), CR/LF; JSON
bodies that are not JSON, not objects, or nested deeply. Signed Stripe events with a malformed
body are probed too. A 500, or an exception escaping the app, fails the test.
"""

import hashlib
import hmac
import json
import time
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from werkzeug.routing import IntegerConverter
from wtforms.fields.core import UnboundField

from portal.auth.models import Role
from portal.extensions import db
from portal.forms import PortalForm
from tests.conftest import PASSWORD, QUANG_NINH

HUGE = [2**63, 2**64, 10**30, 2**63 - 1]
NEGATIVE = [-1, -(2**63), -(2**64)]
UNICODE_DIGITS = ["²", "١٢", "１２", "৩", "߁"]
DAYS = ["0001-01-01", "9999-12-31", "0000-00-00", "2026-02-30", "99999-01-01", "2026-1-1"]
TEXTS = ["", " ", "\x00", "a\x00b", "x" * 3000, "\r\nSet-Cookie: x=1", "//evil.example", "%00"]
CORE = [str(2**63), str(2**31), "-1", "²", "0001-01-01", "9999-12-31", "", "\x00", "x" * 3000]
QUERY_NAMES = [
    "page", "start", "end", "commune", "by", "next", "province", "lang", "format", "fee",
    "dimension", "search", "code", "sector", "kind", "size", "below", "max_level", "metric",
]  # fmt: skip
JSON_BODIES = ["not json", "[]", "null", "7", '"x"', '{"a":', "[" * 50_000, '{"a":"\\u0000"}']

integers = st.one_of(
    st.sampled_from(HUGE + NEGATIVE),
    st.integers(min_value=2**63),
    st.integers(max_value=-1),
).map(str)
hostile = st.one_of(
    integers,
    st.sampled_from(UNICODE_DIGITS + DAYS + TEXTS),
    st.text(max_size=30),
)

SETTINGS = settings(
    max_examples=4,
    deadline=None,
    database=None,
    # One walk is long: report the failing request as found rather than shrink it for minutes.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


def form_field_names() -> list[str]:
    """Every field name of the portal's forms (the walk posts hostile values to each)."""
    names: set[str] = set()
    classes = [PortalForm]
    while classes:
        cls = classes.pop()
        classes.extend(cls.__subclasses__())
        for klass in cls.__mro__:
            names.update(k for k, v in vars(klass).items() if isinstance(v, UnboundField))
    return sorted(names | {"business_id", "passed", "attended", "q_x"})


@pytest.fixture
def world(app, make_user, make_business):
    """One of everything in Quảng Ninh, and a user of each role; return ids by parameter."""
    from tests.factories import (
        ID_PARAMETERS,
        add_programme,
        alert_and_notice,
        complete_with_certificate,
        create_token,
        field_household_of,
        hanoi_onboarding,
        import_batch,
        submitted_assessment,
    )

    owner = make_user()
    users = {
        Role.OWNER: owner,
        Role.TRAINER: make_user(role=Role.TRAINER),
        Role.STAFF: make_user(role=Role.STAFF),
        Role.ADMIN: make_user(role=Role.ADMIN),
    }
    business = make_business(owner=owner, province_code=QUANG_NINH)
    training = complete_with_certificate(app, users[Role.TRAINER], business)
    onboarding, evidence = hanoi_onboarding(app, business)
    objects = {
        "business": business.id,
        "user": users[Role.TRAINER].id,
        "course": training.course_id,
        "cohort": training.cohort_id,
        "session": training.session_ids[0],
        "enrolment": training.enrolment_id,
        "certificate": training.certificate_id,
        "payment": 1,
        "programme": add_programme(app, share_pct=50, budget_vnd=1_000_000),
        "assessment": submitted_assessment(app, business),
        "step": 1,
        "onboarding": onboarding,
        "evidence": evidence,
        "api_token": create_token(app, users[Role.STAFF])[0],
        "field_household": field_household_of(
            app, make_user(role=Role.HELPER, province_code=QUANG_NINH), business
        ),
        "import_batch": import_batch(app, make_user, province_code=QUANG_NINH),
        **alert_and_notice(app, business.id, training.course_id),
    }
    real = {param: objects[kind] for param, kind in ID_PARAMETERS.items()}
    return {"users": users, "ids": real}


def _routes(app):
    rules = [r for r in app.url_map.iter_rules() if r.endpoint != "static"]
    # Signing out last, so that the rest of the walk keeps its role.
    return sorted(rules, key=lambda r: (r.endpoint == "auth.logout", r.rule))


id_parts = st.one_of(integers, st.sampled_from(UNICODE_DIGITS))


class Walk:
    """One walk of the URL map: hostile values drawn by Hypothesis, spread over the requests
    by a random generator it also draws (one example holds a few draws, not thousands)."""

    def __init__(self, draw, ids: dict[str, int], field_names: list[str]) -> None:
        # Every walk carries each kind of hostile value, and a few more Hypothesis finds.
        self.values = CORE + draw(st.lists(hostile, min_size=2, max_size=8))
        self.bad_ids = draw(st.lists(id_parts, min_size=2, max_size=4))
        self.random = draw(st.randoms(use_true_random=False))
        self.ids, self.field_names = ids, field_names

    def path(self, rule) -> str:
        parts = []
        for is_variable, text in rule._trace:
            if not is_variable:
                parts.append(text)
            elif isinstance(rule._converters[text], IntegerConverter):
                # Half the time a real id, so that the view's body meets the hostile parameters.
                real = self.random.random() < 0.5
                parts.append(str(self.ids.get(text, 1)) if real else self.pick(self.bad_ids))
            else:
                parts.append(quote(self.pick(self.values), safe=""))
        return "".join(parts).split("|", 1)[-1]

    def pick(self, values: list[str]) -> str:
        return self.random.choice(values)

    def some(self, names: list[str], most: int) -> dict[str, str]:
        chosen = self.random.sample(names, self.random.randint(0, most))
        return {name: self.pick(self.values) for name in chosen}

    def send(self, client, method: str, path: str) -> None:
        """Send one request; fail on a 500, or on a 405 without its Allow header."""
        query = self.some(QUERY_NAMES, 4)
        url = f"{path}?{urlencode(query)}" if query else path
        if method == "POST" and self.random.random() < 0.25:
            body: object = self.pick(JSON_BODIES)
            kwargs = {"data": body, "content_type": "application/json"}
        else:
            body = self.some(self.field_names, 6)
            kwargs = {"data": body}
        try:
            response = client.open(url, method=method, **kwargs)
        except Exception as error:  # TESTING propagates what would be a 500
            raise AssertionError(f"500 on {method} {url} {body!r}: {error!r}") from error
        response.close()  # as a server does: a streamed file is closed
        assert response.status_code != 500, (method, url, body)
        if response.status_code == 405:
            assert "Allow" in response.headers, (method, url)


@pytest.mark.parametrize("role", [None, Role.OWNER, Role.TRAINER, Role.STAFF, Role.ADMIN])
def test_no_route_answers_500_to_hostile_input(app, client, auth, world, role):
    field_names = form_field_names()
    routes = _routes(app)

    @SETTINGS
    @given(data=st.data())
    def walk(data):
        if role is not None:
            auth.login(world["users"][role])
        hostile_walk = Walk(data.draw, world["ids"], field_names)
        # A method a rule does not take is refused by the routing before any view, the same way
        # for every rule: the walk sends the other method to one rule only, chosen at random.
        refused_on = hostile_walk.random.randrange(len(routes))
        for i, rule in enumerate(routes):
            for method in ("GET", "POST"):
                if method in rule.methods or i == refused_on:
                    hostile_walk.send(client, method, hostile_walk.path(rule))

    walk()


def _signed(app, payload: bytes) -> dict[str, str]:
    stamp = int(time.time())
    secret = app.config["STRIPE_WEBHOOK_SECRET"].encode()
    digest = hmac.new(secret, f"{stamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return {"Stripe-Signature": f"t={stamp},v1={digest}", "Content-Type": "application/json"}


event_values = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from(HUGE + NEGATIVE + [2.5]),
    st.sampled_from(TEXTS + ["evt_1", "pi_1", "payment_intent.succeeded", "charge.refunded"]),
    st.lists(st.integers(), max_size=2),
)
events = st.fixed_dictionaries(
    {},
    optional={
        "id": event_values,
        "object": st.just("event"),
        "type": st.one_of(
            event_values,
            st.sampled_from(
                ["payment_intent.succeeded", "payment_intent.payment_failed", "charge.refunded"]
            ),
        ),
        "data": st.one_of(
            event_values,
            st.fixed_dictionaries(
                {},
                optional={
                    "object": st.one_of(
                        event_values,
                        st.dictionaries(
                            st.sampled_from(
                                [
                                    "id",
                                    "amount",
                                    "payment_intent",
                                    "charge",
                                    "object",
                                    "last_payment_error",
                                ]
                            ),
                            st.one_of(event_values, st.fixed_dictionaries({"id": event_values})),
                        ),
                    )
                },
            ),
        ),
    },
)


@SETTINGS
@given(event=st.one_of(events, st.sampled_from([[], "x", 7, None])))
def test_signed_stripe_events_with_a_malformed_body_are_refused(app, client, event):
    app.config["STRIPE_WEBHOOK_SECRET"] = "whsec_hostile"
    try:
        payload = json.dumps(event).encode()
        headers = _signed(app, payload)
        response = client.post("/billing/stripe/webhook", data=payload, headers=headers)
        assert response.status_code in (200, 400), response.get_data(as_text=True)
    finally:
        app.config["STRIPE_WEBHOOK_SECRET"] = None
        with app.app_context():
            db.session.remove()


def test_a_method_not_allowed_names_the_allowed_ones(client):
    response = client.get("/auth/logout")
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) == {"OPTIONS", "POST"}


def test_a_nul_byte_is_refused_before_any_view(client):
    assert client.get("/verify/%00").status_code == 400
    assert client.post("/auth/login", data={"login": "a\x00b", "password": "x"}).status_code == 400
    assert client.get("/businesses/communes.json?province=1%00").status_code == 400


def test_a_next_address_with_a_line_break_is_not_followed(client, make_user):
    user = make_user()
    response = client.post(
        "/auth/login?next=/training/%0d%0aSet-Cookie:%20x=1",
        data={"login": user.login, "password": PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard"


def test_a_mail_subject_with_a_line_break_is_sent_on_one_line(app):
    from portal.mail import send_mail

    with app.app_context():
        send_mail("Lớp “Bán hàng\r\ntrực tuyến” đã dời lịch", "…", ["a@example.vn"])
        assert app.extensions["mailman"].outbox[-1].subject == (
            "Lớp “Bán hàng trực tuyến” đã dời lịch"
        )
