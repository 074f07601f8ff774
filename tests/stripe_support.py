"""Card payments in tests, against localstripe: its fixtures (``localstripe_url``,
``stripe_on``; registered for every test module by ``pytest_plugins`` in tests/conftest.py),
the test keys, and what a browser's Stripe.js and Stripe itself do (tokenise a card, sign and
deliver a webhook, fetch the event of an intent).

The suite's localstripe (``LOCALSTRIPE_URL``, started by scripts/test) is the Stripe API here;
without it a session starts one from ``.venv-localstripe`` or skips the tests that need it.
"""

import hashlib
import hmac
import json
import os
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest
import time_machine

from portal.billing.models import Payment
from tests.factories import EN, payment_of

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SECRET_KEY = "sk_test_portal"
PUBLISHABLE_KEY = "pk_test_portal"
WEBHOOK_SECRET = "whsec_test_portal"
VISA = "4242424242424242"
DECLINED = "4000000000000341"

#: localstripe's own start-up listens on every interface; this binds it to loopback.
LOCALSTRIPE_ON_LOOPBACK = (
    "import sys; from aiohttp import web; from localstripe.server import app; "
    "web.run_app(app, host='127.0.0.1', port=int(sys.argv[1]), print=None)"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def localstripe_url() -> Iterator[str]:
    """The URL of a running localstripe: the test command's, or one started here."""
    if os.environ.get("LOCALSTRIPE_URL"):
        yield os.environ["LOCALSTRIPE_URL"].rstrip("/")
        return
    python = os.path.join(ROOT, ".venv-localstripe", "bin", "python")
    if not os.path.exists(python):
        pytest.skip("localstripe is not installed: scripts/test installs and starts it")
    port = _free_port()
    process = subprocess.Popen(
        [python, "-c", LOCALSTRIPE_ON_LOOPBACK, str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(url + "/js.stripe.com/v3/", timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def stripe_on(app, localstripe_url, monkeypatch) -> str:
    """Card payments configured and pointed at localstripe (only for this test)."""
    for key, value in {
        "STRIPE_SECRET_KEY": SECRET_KEY,
        "STRIPE_PUBLISHABLE_KEY": PUBLISHABLE_KEY,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STRIPE_API_BASE": localstripe_url,
        "STRIPE_JS_URL": localstripe_url + "/js.stripe.com/v3/",
    }.items():
        monkeypatch.setitem(app.config, key, value)
    return localstripe_url


def localstripe(url: str, path: str, data: dict | None = None) -> dict:
    """Call localstripe's API directly (what the browser's Stripe.js does)."""
    body = None
    if data is not None:
        body = urllib.parse.urlencode(data).encode()
    request = urllib.request.Request(
        url + path, data=body, headers={"Authorization": f"Bearer {SECRET_KEY}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def card_token(url: str, number: str = VISA) -> str:
    """Tokenise a test card as Stripe.js does in the page (publishable key)."""
    data = {
        "card[number]": number,
        "card[exp_month]": "12",
        "card[exp_year]": "2030",
        "card[cvc]": "123",
        "key": PUBLISHABLE_KEY,
    }
    request = urllib.request.Request(url + "/v1/tokens", data=urllib.parse.urlencode(data).encode())
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())["id"]


def sign(payload: bytes, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """Sign a webhook payload exactly as Stripe does."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def deliver(client, event: dict, secret: str = WEBHOOK_SECRET):
    payload = json.dumps(event).encode()
    return client.post(
        "/billing/stripe/webhook",
        data=payload,
        headers={"Stripe-Signature": sign(payload, secret), "Content-Type": "application/json"},
    )


def stripe_event(url: str, intent_id: str, type_: str = "payment_intent.succeeded") -> dict:
    """Fetch the event localstripe emitted for an intent (it is created a moment after)."""
    for _ in range(50):
        # localstripe stamps events with the machine's real clock, not the suite's moved one.
        hatch = time_machine.escape_hatch
        real_now = hatch.time.time() if hatch.is_travelling() else time.time()
        since = int(real_now) - 120
        query = {"type": type_, "limit": "100", "created[gte]": str(since)}
        events = localstripe(url, "/v1/events?" + urllib.parse.urlencode(query))
        for event in events["data"]:
            if event["data"]["object"]["id"] == intent_id:
                return event
        time.sleep(0.1)
    raise AssertionError(f"no {type_} event for {intent_id}")


def pay_by_card(client, enrolment_id: int, url: str, number: str = VISA):
    """Pay a held seat on its payment page with a tokenised test card (signed-in owner)."""
    return client.post(
        f"/billing/enrolments/{enrolment_id}/pay",
        data={"card_token": card_token(url, number)},
        headers=EN,
    )


def paid_by_card(app, client, url: str, enrolment_id: int) -> Payment:
    """Pay a held seat by card and deliver Stripe's webhook; return the paid payment."""
    pay_by_card(client, enrolment_id, url)
    event = stripe_event(url, payment_of(app, enrolment_id).stripe_payment_intent_id)
    deliver(client, event)
    return payment_of(app, enrolment_id)
