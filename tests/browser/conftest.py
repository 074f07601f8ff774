"""A live portal in a thread and headless Debian Chromium driven by Playwright."""

import os
import shutil
import threading
from collections.abc import Callable, Iterator

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(__file__))), "test-artifacts"
)
# Debian's Chromium, offline: no sandbox as root, and no background calls to Google's hosts.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def live_server(app) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture(scope="session")
def browser() -> Iterator:
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}; scripts/test installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _phone_page(app, browser, live_server, monkeypatch, locale: str) -> Iterator:
    # A real browser sends real CSRF tokens: check them (only for this test).
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    context = browser.new_context(
        base_url=live_server,
        viewport={"width": 360, "height": 780},
        locale=locale,
        device_scale_factor=1,
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def phone(app, browser, live_server, monkeypatch) -> Iterator:
    """A page in a 360 px wide phone viewport whose browser asks for Vietnamese."""
    yield from _phone_page(app, browser, live_server, monkeypatch, "vi-VN")


@pytest.fixture
def phone_en(app, browser, live_server, monkeypatch) -> Iterator:
    """The same phone, with a browser that asks for English."""
    yield from _phone_page(app, browser, live_server, monkeypatch, "en-US")


@pytest.fixture
def artifacts() -> str:
    os.makedirs(ARTIFACTS, exist_ok=True)
    return ARTIFACTS


# ------------------------------------------------------------------------ the household assessment


def choose(page, question: str, label: str) -> None:
    """Tick the option ``label`` of a question of the questionnaire page."""
    page.locator(f"#question-{question}").get_by_label(label, exact=True).check()


#: A household that runs on a smartphone and cash: no bank account, no online sales.
CASH_HOUSEHOLD = [
    [
        ("smartphone", "Yes, the person who runs the business has their own"),
        ("internet", "Works well, good enough for video calls"),
        ("computer", "Yes, but rarely used"),
    ],
    [
        ("bank_app", "No bank account"),
        ("receive_payments", "Cash only"),
        ("pay_online", "No"),
    ],
    [("sell_online", "No")],
    [
        ("product_content", "Clear, attractive photos"),
        ("ocop", "3 stars"),
        ("traceability", "On some products"),
    ],
    [
        ("phone_skills", "Post, sell and transfer money"),
        ("scam_response", "Refuse, hang up and tell the local police or family"),
        ("account_safety", "Phone screen locked with a PIN or fingerprint"),
        ("digital_training", "Yes"),
    ],
]


def take_household_assessment(
    page,
    pages: list[list] = CASH_HOUSEHOLD,
    *,
    before_start: Callable | None = None,
    before_submit: Callable | None = None,
) -> None:
    """Take the household questionnaire from the owner's dashboard (in English), page by page,
    and submit it: the page then shows the results.

    ``pages``: for each page of the questionnaire, its steps in order: a (question id, option
    label) to tick, or a callable given the page (a check to make, or a field to fill, between
    two answers). ``before_start`` runs on the questionnaire's start page, ``before_submit`` on
    the review of the answers.
    """
    page.get_by_role("link", name="Take the assessment").click()
    if before_start:
        before_start(page)
    page.get_by_role("button", name="Start the assessment").click()
    for number, steps in enumerate(pages, 1):
        for step in steps:
            if callable(step):
                step(page)
            else:
                choose(page, *step)
        last = number == len(pages)
        page.get_by_role("button", name="Review answers" if last else "Next").click()
    if before_submit:
        before_submit(page)
    page.get_by_role("button", name="Submit and see my results").click()
