"""The one module that talks to Stripe; the rest of the portal calls these functions.

Amounts are integers in VND, which Stripe treats as a zero-decimal currency: 500,000 VND is
``amount=500000``. ``STRIPE_API_BASE`` points the library at another host (tests: localstripe).
Every call waits at most ``STRIPE_TIMEOUT_SECONDS`` per attempt and is retried twice; callers
never hold a row lock while calling (see billing.operations).

The card flow works with Stripe.js and with localstripe's stand-in alike: the page turns the
card into a token (``stripe.createToken``), the server creates the PaymentIntent confirmed at
once on that card, and the page completes 3-D Secure with ``confirmCardPayment`` when asked.
Stripe's webhook, never the browser, tells the portal the payment succeeded.
"""

import json
import logging
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import stripe
from flask import current_app

log = logging.getLogger(__name__)

CURRENCY = "vnd"
STRIPE_API = "https://api.stripe.com"
#: Attempts after the first when Stripe cannot be reached or times out.
MAX_NETWORK_RETRIES = 2


class GatewayError(Exception):
    """Stripe could not be reached or refused the request (not a card decline)."""


class SignatureError(Exception):
    """A webhook whose signature does not match the configured secret."""


class MalformedEvent(ValueError):
    """A signed webhook whose body is not an event the portal can read (answered 400)."""


#: Stripe's ids (evt_..., pi_..., ch_..., re_...): the columns that keep them hold 64 characters.
_STRIPE_ID = re.compile(r"[A-Za-z0-9_]{1,64}")
_MAX_INT = 2**63 - 1


@dataclass(frozen=True)
class ChargeResult:
    intent_id: str | None
    #: The PaymentIntent's status: "succeeded", "processing", "requires_action", "failed"...
    status: str
    client_secret: str | None = None
    failure_code: str | None = None


@dataclass(frozen=True)
class RefundResult:
    refund_id: str
    #: The refund's status ("succeeded", "pending", ...); Stripe's types allow none.
    status: str | None
    amount_vnd: int


def is_enabled() -> bool:
    """Tell whether card payments are configured (secret and publishable key)."""
    config = current_app.config
    return bool(config.get("STRIPE_SECRET_KEY") and config.get("STRIPE_PUBLISHABLE_KEY"))


def js_url() -> str:
    return current_app.config["STRIPE_JS_URL"]


def browser_origins() -> list[str]:
    """Return the origins the payment page's Stripe.js loads from and talks to."""
    origins = [_origin(js_url()), _origin(current_app.config.get("STRIPE_API_BASE") or STRIPE_API)]
    return list(dict.fromkeys(origins))


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _client() -> stripe.StripeClient:
    config = current_app.config
    if not config.get("STRIPE_SECRET_KEY"):
        raise GatewayError("card payments are not configured")
    base = config.get("STRIPE_API_BASE")
    # A bounded wait per attempt: a Stripe that hangs must not hold a worker for long (the
    # library's own default is 80 s). Retries reuse the idempotency key, so they charge once.
    return stripe.StripeClient(
        config["STRIPE_SECRET_KEY"],
        base_addresses={"api": base} if base else None,
        http_client=stripe.RequestsClient(timeout=config["STRIPE_TIMEOUT_SECONDS"]),
        max_network_retries=MAX_NETWORK_RETRIES,
    )


def charge_card(
    amount_vnd: int, card_token: str, metadata: dict[str, str], idempotency_key: str
) -> ChargeResult:
    """Create and confirm a PaymentIntent of ``amount_vnd`` on the card behind ``card_token``."""
    if amount_vnd <= 0:
        raise ValueError("a card payment needs a positive amount")
    client = _client()
    try:
        token = client.v1.tokens.retrieve(card_token)
        if token.card is None:  # a bank account's token, say: nothing to charge
            raise GatewayError(f"token {token.id} is not a card's")
        intent = client.v1.payment_intents.create(
            params={
                "amount": amount_vnd,
                "currency": CURRENCY,
                "payment_method": token.card.id,
                # stripe-python 16 types only allowed_payment_method_types; the request is
                # kept as it was (#15 changes types only).
                "payment_method_types": ["card"],  # type: ignore[typeddict-unknown-key]
                "confirm": True,
                "metadata": metadata,
            },
            options={"idempotency_key": idempotency_key},
        )
    except stripe.CardError as error:
        body = error.json_body if isinstance(error.json_body, dict) else {}
        intent_id = body.get("error", {}).get("payment_intent", {}) or {}
        log.info("card refused (%s) for %s", error.code, metadata)
        return ChargeResult(
            intent_id=intent_id.get("id") if isinstance(intent_id, dict) else None,
            status="failed",
            failure_code=error.code or "card_declined",
        )
    except stripe.StripeError as error:
        log.warning("Stripe refused the payment for %s: %s", metadata, error)
        raise GatewayError(str(error)) from error
    log.info("PaymentIntent %s is %s for %s", intent.id, intent.status, metadata)
    return ChargeResult(intent.id, intent.status, intent.client_secret)


def cancel_intent(intent_id: str) -> str:
    """Cancel a PaymentIntent that has not succeeded; return its status afterwards."""
    client = _client()
    try:
        return client.v1.payment_intents.cancel(intent_id).status
    except stripe.InvalidRequestError:
        # Already succeeded or cancelled: report where it stands.
        return client.v1.payment_intents.retrieve(intent_id).status
    except stripe.StripeError as error:
        raise GatewayError(str(error)) from error


def refund(intent_id: str, amount_vnd: int, idempotency_key: str) -> RefundResult:
    """Refund ``amount_vnd`` of a succeeded PaymentIntent."""
    client = _client()
    try:
        result = client.v1.refunds.create(
            params={"payment_intent": intent_id, "amount": amount_vnd},
            options={"idempotency_key": idempotency_key},
        )
    except stripe.StripeError as error:
        log.warning("Stripe refused the refund of %s: %s", intent_id, error)
        raise GatewayError(str(error)) from error
    log.info("refund %s of %s VND on %s is %s", result.id, amount_vnd, intent_id, result.status)
    return RefundResult(result.id, result.status, result.amount)


@dataclass(frozen=True)
class ChargeRefunds:
    """What Stripe has refunded on a charge so far (failed refunds are not counted)."""

    intent_id: str | None
    amount_refunded_vnd: int
    #: The latest refund's id, if any.
    refund_id: str | None


def charge_refunds(charge_id: str) -> ChargeRefunds:
    """Ask Stripe how much of a charge is refunded now (webhooks may arrive out of order)."""
    client = _client()
    try:
        charge = client.v1.charges.retrieve(charge_id).to_dict()
    except stripe.StripeError as error:
        log.warning("could not read charge %s from Stripe: %s", charge_id, error)
        raise GatewayError(str(error)) from error
    refunds = charge.get("refunds") or {}
    latest = max(refunds.get("data") or [], key=lambda r: r.get("created") or 0, default=None)
    intent = charge.get("payment_intent")
    return ChargeRefunds(
        intent_id=intent if isinstance(intent, str) or intent is None else intent.get("id"),
        amount_refunded_vnd=int(charge.get("amount_refunded") or 0),
        refund_id=latest.get("id") if latest else None,
    )


def parse_event(payload: bytes, signature_header: str | None) -> stripe.Event:
    """Verify a webhook's signature and return its event (SignatureError if forged)."""
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
    if not secret:
        raise SignatureError("no webhook secret configured")
    if not signature_header:
        raise SignatureError("no signature")
    try:
        body = payload.decode("utf-8")
        stripe.WebhookSignature.verify_header(
            body, signature_header, secret, stripe.Webhook.DEFAULT_TOLERANCE
        )
    except (stripe.SignatureVerificationError, ValueError) as error:
        raise SignatureError(str(error)) from error
    # Signed is not well formed: read and check the body before any handler relies on it.
    try:
        values = json.loads(body)
    except (ValueError, RecursionError) as error:
        raise MalformedEvent("the body is not JSON") from error
    check_event(values)
    return stripe.Event.construct_from(values, stripe.api_key)


def check_event(event: Any) -> None:
    """Raise MalformedEvent unless ``event`` has the shape every handler relies on."""
    if not isinstance(event, dict) or not _is_id(event.get("id")):
        raise MalformedEvent("the event has no valid id")
    kind = event.get("type")
    if not isinstance(kind, str) or not 0 < len(kind) <= 80 or not kind.isprintable():
        raise MalformedEvent("the event has no valid type")
    data = event.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    if not isinstance(obj, dict):
        raise MalformedEvent("the event carries no object")
    if not _is_id(obj.get("id")):
        raise MalformedEvent("the object has no valid id")
    for key in ("payment_intent", "charge"):
        value = obj.get(key)
        ref = value.get("id") if isinstance(value, dict) else value
        if ref is not None and not _is_id(ref):
            raise MalformedEvent(f"the object's {key} is not a Stripe id")
    amount = obj.get("amount")
    if (amount is not None or kind == "payment_intent.succeeded") and (
        type(amount) is not int or not 0 <= amount <= _MAX_INT
    ):
        raise MalformedEvent("the object's amount is not a whole number")
    error = obj.get("last_payment_error")
    code = error.get("code") if isinstance(error, dict) else None
    if (error is not None and not isinstance(error, dict)) or (
        code is not None and not _is_id(code)
    ):
        raise MalformedEvent("the object's last_payment_error is malformed")


def _is_id(value: Any) -> bool:
    return isinstance(value, str) and _STRIPE_ID.fullmatch(value) is not None
