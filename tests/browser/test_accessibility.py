"""axe-core on every main page, in Vietnamese and English, on a 360 px phone, as the right role.

In English, axe runs on the first two pages of each role (what it checks, from labels to
contrast, is the same markup in both languages; about a second a page), and every page is
checked for sideways scrolling, which a longer translation could cause.

axe-core comes from the axe-playwright-python package (its bundled axe.min.js, no CDN). A page
passes when axe finds no serious or critical violation; on failure the report names each rule,
what it found and where, page by page.
"""

import os
import re
from datetime import date, timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from portal import clock
from portal.assess import operations as assess_operations
from portal.assess.questionnaires import registry
from portal.auth.models import Role, User
from portal.billing.operations import create_programme
from portal.businesses.models import Business, BusinessKind, BusinessSize
from portal.extensions import db
from portal.field.models import HelperCommune
from portal.reports.models import ProvinceTarget
from portal.training import alerts
from portal.training import operations as training_operations
from portal.training.models import Course
from tests.conftest import PASSWORD, QUANG_NINH
from tests.factories import enrol_now, new_training, submitted_assessment

BLOCKING = ("serious", "critical")


def _seed(app, make_user, make_business) -> dict:
    """Make one of everything the main pages show; return the users and the pages' paths."""
    staff = make_user(role=Role.STAFF, name="Phạm Thu Hà")
    trainer = make_user(role=Role.TRAINER, name="Vũ Thị Lan")
    owner = make_user(name="Đặng Thị Hoa")
    household = make_business(
        owner=owner, kind=BusinessKind.HOUSEHOLD, size=BusinessSize.FAMILY, name="Hộ Mật ong"
    )
    enterprise = make_business(
        owner=owner, kind=BusinessKind.ENTERPRISE, name="Công ty TNHH Chè Bình Liêu"
    )
    result_id = submitted_assessment(app, household)
    with app.app_context():
        business = db.session.get(Business, enterprise.id)
        draft, _new = assess_operations.start_assessment(
            business, business.owner, registry().get("enterprise", 1)
        )
        db.session.add(
            ProvinceTarget(
                province_code=QUANG_NINH,
                target=500,
                by_year=2030,
                start_on=date(2025, 7, 1),
                set_by_id=staff.id,
            )
        )
        db.session.commit()
        draft_id = draft.id
    # A class whose first session began an hour ago: its attendance is open.
    training = new_training(app, trainer, first_session=clock.utcnow() - timedelta(hours=1))
    enrolment_id = enrol_now(app, training.cohort_id, household.id)
    with app.app_context():
        create_programme(
            QUANG_NINH,
            name_vi="Hỗ trợ hộ kinh doanh nông nghiệp vùng cao Bình Liêu",
            name_en="Support for upland farm household businesses of Bình Liêu",
            course_id=training.course_id,
            share_pct=50,
            budget_vnd=20_000_000,
        )
        db.session.commit()
    # The owner asked to hear of classes of the course; a second class opened in their commune.
    with app.app_context():
        course = db.session.get(Course, training.course_id)
        alerts.subscribe(db.session.get(Business, household.id), course=course, province_wide=True)
        training_operations.create_cohort(
            course,
            commune_code=household.commune_code,
            venue="Nhà văn hóa thôn 3",
            capacity=20,
            enrolment_deadline=clock.today() + timedelta(days=20),
        )
        db.session.commit()
    helper = make_user(role=Role.HELPER, name="Hoàng Văn Nam")
    with app.app_context():
        db.session.get(User, helper.id).province_code = QUANG_NINH
        db.session.add(
            HelperCommune(
                helper_id=helper.id,
                province_code=QUANG_NINH,
                commune_code=household.commune_code,
            )
        )
        db.session.commit()
    session_id = training.session_ids[0]
    return {
        None: ["/", "/auth/login", "/auth/register"],
        owner: [
            "/dashboard",
            f"/assessments/{draft_id}/step/2",
            f"/assessments/{result_id}",
            "/training/",
            f"/training/courses/{training.course_id}",
            f"/payment-sign/businesses/{household.id}",
            "/training/alerts",
            f"/training/enrolments/{enrolment_id}/cancel",
        ],
        trainer: [
            f"/training/sessions/{session_id}/attendance",
            "/training/teaching",
            f"/training/cohorts/{training.cohort_id}/participants",
            f"/training/sessions/{session_id}/check-in",
        ],
        staff: [
            "/reports/",
            "/reports/enrolments",
            "/admin/users",
            "/billing/report",
            "/dashboard",
            f"/reports/target/remove?province={QUANG_NINH}&metric=digital_businesses",
        ],
        helper: ["/field/"],
    }


def _report(path: str, violations: list[dict]) -> str:
    lines = [f"{path}:"]
    for v in violations:
        lines.append(f"  [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:5]:
            lines.append(f"      at {' '.join(map(str, node['target']))}")
            lines.append(f"         {node['html'][:160]}")
            if node.get("failureSummary"):
                summary = node["failureSummary"].replace("\n", " / ")
                lines.append(f"         {summary[:300]}")
    return "\n".join(lines)


@pytest.mark.parametrize("locale", ["vi-VN", "en-US"])
def test_main_pages_have_no_serious_accessibility_violations(
    app, browser, live_server, monkeypatch, artifacts, make_user, make_business, locale
):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    pages = _seed(app, make_user, make_business)
    lang = locale[:2]
    axe = Axe()
    failures = []
    checked = []
    axed = []
    for user, paths in pages.items():
        context = browser.new_context(
            base_url=live_server,
            viewport={"width": 360, "height": 780},
            locale=locale,
            device_scale_factor=1,
        )
        page = context.new_page()
        page.set_default_timeout(10_000)
        if user is not None:
            page.goto("/auth/login")
            page.locator("input[name=login]").fill(user.login)
            page.locator("input[name=password]").fill(PASSWORD)
            page.locator("form.form button[type=submit]").click()
            page.wait_for_url(lambda url: "/auth/login" not in url)
        for n, path in enumerate(paths):
            response = page.goto(path)
            assert response is not None and response.status == 200, (path, response)
            assert page.locator("html").get_attribute("lang") == lang, path
            if lang == "vi" or n < 2:
                found = axe.run(page).response["violations"]
                blocking = [v for v in found if v["impact"] in BLOCKING]
                if blocking:
                    failures.append(_report(path, blocking))
                axed.append(path)
            # Nothing on any of them makes the page itself scroll sideways.
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 360:
                failures.append(f"{path}: the page is {width} px wide at 360 px")
            checked.append(path)
        context.close()
    assert len(checked) == 22 and len(axed) == (22 if lang == "vi" else 9)
    assert not failures, f"{locale}:\n" + "\n\n".join(failures)
    with open(os.path.join(artifacts, f"axe-{lang}.txt"), "w", encoding="utf-8") as f:
        f.write("".join(f"{path}{'' if path in axed else ' (width only)'}\n" for path in checked))


def _focused(page) -> str:
    return page.evaluate(
        "(() => { const e = document.activeElement;"
        " return e.tagName + ':' + (e.value || '') + ':' + e.textContent.trim(); })()"
    )


def test_keyboard_and_thumb_on_a_phone(app, phone_en, artifacts, make_user, make_business):
    pages = _seed(app, make_user, make_business)
    owner, staff = list(pages)[1], list(pages)[3]
    make_user(
        role=Role.TRAINER,
        name="Nguyễn Thị Phương Thảo",
        email="nguyen.thi.phuong.thao.giangvien@quangninh.gov.vn",
    )
    page = phone_en
    page.goto("/auth/login")
    page.get_by_label("Email or phone number").fill(owner.login)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/dashboard")

    # The focus ring: yellow with a dark edge around it (16:1 on white, where yellow is 1.6:1).
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    ring = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineColor, s.outlineStyle, s.boxShadow]; })()"
    )
    assert ring[0] == "rgb(255, 191, 71)" and ring[1] == "solid", ring
    assert "rgb(27, 31, 36)" in ring[2], ring

    # Question page: Tab goes Back, then Next, as drawn; Enter in a field means Next.
    draft_path = pages[owner][1]
    page.goto(draft_path)
    back = page.get_by_role("button", name="Back")
    forward = page.get_by_role("button", name="Next")
    back_box, next_box = back.bounding_box(), forward.bounding_box()
    assert back_box["x"] < next_box["x"]
    back.focus()
    page.keyboard.press("Tab")
    assert _focused(page).startswith("BUTTON:next:"), _focused(page)
    page.keyboard.press("Shift+Tab")
    assert _focused(page).startswith("BUTTON:back:"), _focused(page)
    field = page.locator(".assess-form input[type=text]:visible").first
    if field.count() == 0:
        field = page.locator(".assess-form input[type=radio]:visible").first
    field.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{draft_path[:-1]}3")

    # Staff: wide tables never push the page sideways; the report's box scrolls by keyboard.
    page.context.clear_cookies()
    page.goto("/auth/login")
    page.get_by_label("Email or phone number").fill(staff.login)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/dashboard")
    for path in ("/admin/users", "/billing/report", "/reports/enrolments"):
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
        name = path.strip("/").replace("/", "-")
        page.screenshot(path=os.path.join(artifacts, f"{name}-360.png"), full_page=True)
    region = page.get_by_role("region", name=re.compile("."))
    expect(region).to_have_attribute("tabindex", "0")
    expect(page.locator(".scroll-hint")).to_be_visible()
    region.focus()
    before = region.evaluate("e => e.scrollLeft")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(region).not_to_have_js_property("scrollLeft", before)
    # Standalone links are 44 px tall targets for a thumb.
    for link in page.locator("a.tap-target").all():
        box = link.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44, link.text_content()
    progress = page.get_by_role("link", name="Province progress").bounding_box()
    assert progress["height"] >= 44
