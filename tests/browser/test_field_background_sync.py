"""Background Sync: records queued offline go to the portal when the connection returns even
though the app's page was closed, sent by the service worker from IndexedDB (the same endpoint
and record ids as the page's own sync), and exactly once however often the event fires.

Chromium fires the sync event itself when it sees the connection return; Playwright's offline
switch does not change what Chromium's connection monitor sees, so the test fires the event as
Chromium would, through the DevTools protocol (ServiceWorker.dispatchSyncEvent).
"""

from __future__ import annotations

import time

from tests.factories import (
    field_app_ready,
    field_assess,
    field_helper,
    field_queue_shows,
    field_stored,
    open_phone,
    sign_in_to_field_app,
)

TAG = "field-upload"


def _wait(page, predicate, seconds: float = 20.0):
    """Poll ``predicate`` while Playwright keeps receiving the browser's events."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        page.wait_for_timeout(200)
    return predicate()


def _field_registration(context, page, live_server):
    cdp = context.new_cdp_session(page)
    found: list[dict] = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda e: found.extend(e["registrations"]))
    cdp.send("ServiceWorker.enable")
    scope = f"{live_server}/field/"
    registration = _wait(
        page,
        lambda: next((r for r in found if r["scopeURL"] == scope and not r["isDeleted"]), None),
    )
    assert registration, found
    return cdp, registration["registrationId"]


def test_the_service_worker_sends_the_queue_after_the_app_is_closed(
    app, browser, live_server, make_user, monkeypatch, tmp_path
):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    helper = field_helper(app, make_user, email="to-cong-nghe-so@example.vn")
    context, page = open_phone(browser, tmp_path / "phone-profile", live_server)
    sign_in_to_field_app(page, helper)
    field_app_ready(page)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    assert page.evaluate("() => 'SyncManager' in self")

    # No signal: three households queued, each registering the background sync.
    context.set_offline(True)
    page.reload()
    field_app_ready(page)
    for n in range(1, 4):
        field_assess(page, n)
        field_queue_shows(page, n)
        page.locator("#next-household").click()
    tags = page.evaluate(
        "async () => (await navigator.serviceWorker.getRegistration('/field/')).sync.getTags()"
    )
    assert TAG in tags
    assert field_stored(app)["households"] == 0

    # The helper closes the app (another page of the portal, outside the app, stays open: the
    # DevTools protocol reaches the service workers through a page); the connection returns.
    other = context.new_page()
    page.close()
    context.set_offline(False)
    other.goto("/privacy")
    cdp, registration = _field_registration(context, other, live_server)
    event = {"origin": live_server, "registrationId": registration, "tag": TAG, "lastChance": False}
    cdp.send("ServiceWorker.dispatchSyncEvent", event)
    assert _wait(other, lambda: field_stored(app)["households"] == 3), field_stored(app)
    first = field_stored(app)
    assert first["answers"] > 3 * 10
    assert first["mismatch"] == []
    assert all(client == server for _name, client, server in first["scores"])

    # The event again (a retry after a lost answer): nothing is stored twice.
    cdp.send("ServiceWorker.dispatchSyncEvent", event | {"lastChance": True})
    other.wait_for_timeout(1500)
    assert field_stored(app) == first

    # The app, opened again, shows what the worker wrote back: nothing waiting.
    page = context.new_page()
    page.goto("/field/")
    field_app_ready(page)
    field_queue_shows(page, 0)
    assert page.locator("#records li[data-state=sent]").count() == 3
    context.close()
