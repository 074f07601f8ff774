"""Courses recommended after an assessment, and the partial the results page includes."""

from datetime import timedelta

from flask import render_template

from portal import clock
from portal.auth.models import Role
from portal.businesses.models import Business, BusinessKind, Sector
from portal.extensions import db
from portal.training.models import CourseFormat
from portal.training.recommendations import listing_path_recommendations, recommended_courses
from tests.conftest import HA_NOI
from tests.factories import new_training


def test_courses_of_the_province_with_open_classes_are_recommended_weakest_first(
    app, make_user, make_business
):
    trainer = make_user(role=Role.TRAINER)
    payments = new_training(
        app,
        trainer,
        title_en="VietQR for shops",
        topic="digital_payments",
        dimensions=["payments"],
        audience="household",
    )
    selling = new_training(
        app, trainer, title_en="Sell on Zalo", topic="social_selling", dimensions=["online_sales"]
    )
    by_dimension = new_training(
        app,
        trainer,
        title_en="Phone basics",
        topic="digital_skills",
        dimensions=["devices"],
        audience="both",
    )
    new_training(
        app,
        trainer,
        title_en="Closed class",
        topic="digital_payments",
        deadline=clock.today() - timedelta(days=1),
    )
    new_training(
        app, trainer, title_en="For enterprises", topic="digital_payments", audience="enterprise"
    )
    new_training(app, trainer, title_en="Only tourism", topic="social_selling", sectors=["tourism"])
    hanoi = make_user(role=Role.TRAINER, province_code=HA_NOI)
    new_training(
        app, hanoi, province_code=HA_NOI, title_en="Ha Noi payments", topic="digital_payments"
    )
    business = make_business(kind=BusinessKind.HOUSEHOLD, sector=Sector.AGRICULTURE)
    scores = {
        "devices": 30,
        "payments": 20,
        "online_sales": 45,
        "product_info": 80,
        "skills_safety": 70,
    }
    with app.test_request_context(headers={"Accept-Language": "en"}):
        b = db.session.get(Business, business.id)
        result = recommended_courses(b, scores)
        assert [(r.course.id, r.reason) for r in result] == [
            (payments.course_id, "Your score for “Digital payments” is 20/100."),
            (by_dimension.course_id, "Your score for “Devices and connectivity” is 30/100."),
            (selling.course_id, "Your score for “Selling online” is 45/100."),
        ]
        html = render_template("training/_recommendations.html", recommendations=result)
        assert "VietQR for shops" in html and "is 20/100." in html
        assert f"/training/courses/{payments.course_id}" in html
        paths = listing_path_recommendations(b, scores)
        assert [p.target for p in paths] == ["postmart", "voso", "ocop_marketplace"]
        assert recommended_courses(b, {"payments": 90, "devices": 90}) == []
        assert "No course with an open class" in render_template(
            "training/_recommendations.html", recommendations=[]
        )


def test_enterprise_scores_pick_enterprise_rules(app, make_user, make_business):
    trainer = make_user(role=Role.TRAINER)
    t = new_training(
        app,
        trainer,
        title_en="Cyber basics",
        topic="cybersecurity",
        dimensions=["security"],
        audience="enterprise",
        format=CourseFormat.ONLINE,
    )
    business = make_business(kind=BusinessKind.HOUSEHOLD_BUSINESS)
    with app.test_request_context(headers={"Accept-Language": "vi"}):
        result = recommended_courses(
            db.session.get(Business, business.id), {"security": 12, "strategy": 80}
        )
        assert [(r.course.id, r.reason) for r in result] == [
            (t.course_id, "Điểm “An toàn thông tin và quản lý rủi ro” của bạn là 12/100.")
        ]
