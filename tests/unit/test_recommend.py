"""Recommendation rules: data in assessments/recommendations.yaml, pure function recommend()."""

import pytest
import yaml

from assessments import DefinitionError
from assessments.recommend import RULES_FILE, load_rules, parse_rules, recommend


def _targets(recs, kind="course"):
    return [r.target for r in recs if r.kind == kind]


def test_the_shipped_rules_load_and_name_known_dimensions_and_topics():
    rules = load_rules()
    assert len(rules.rules) >= 10
    assert set(rules.dimensions["enterprise"]) == {
        "strategy",
        "online_sales",
        "operations",
        "data",
        "security",
        "people",
    }
    assert set(rules.dimensions["household"]) == {
        "devices",
        "payments",
        "online_sales",
        "product_info",
        "skills_safety",
    }


def test_weak_dimension_recommends_its_courses_with_the_reason():
    recs = recommend("household", "trade", {"payments": 20, "devices": 90})
    assert _targets(recs) == ["digital_payments"]
    rec = recs[0]
    assert (rec.dimension, rec.score, rec.rule.id) == ("payments", 20, "household-payments")
    assert rec.reason("en") == "Your score for “Digital payments” is 20/100."
    assert rec.reason("vi") == "Điểm “Thanh toán số” của bạn là 20/100."


def test_scores_at_or_above_the_threshold_recommend_nothing():
    assert recommend("household", None, {"payments": 40, "devices": 40}) == []


def test_weakest_dimension_comes_first():
    recs = recommend(
        "enterprise", "industry", {"strategy": 35, "security": 10, "people": 25, "data": 90}
    )
    assert [r.dimension for r in recs] == ["security", "people", "strategy"]
    assert [r.score for r in recs] == sorted(r.score for r in recs)


def test_sector_rules_add_to_the_general_ones_and_targets_appear_once():
    general = recommend("enterprise", "industry", {"online_sales": 30})
    goods = recommend("enterprise", "food_processing", {"online_sales": 30})
    assert _targets(general) == ["ecommerce", "digital_marketing"]
    assert _targets(goods) == ["ecommerce", "digital_marketing"]  # "ecommerce" only once
    assert "shopee" not in _targets(general, "listing_path")
    assert {"postmart", "shopee", "ocop_marketplace"} <= set(_targets(goods, "listing_path"))


def test_listing_paths_come_as_their_own_kind():
    recs = recommend("household", "handicrafts", {"online_sales": 15})
    assert _targets(recs, "listing_path") == ["postmart", "voso", "ocop_marketplace"]
    assert all(r.reason("en").endswith("15/100.") for r in recs)


def test_audience_decides_which_rules_apply():
    assert _targets(recommend("enterprise", None, {"online_sales": 10})) != _targets(
        recommend("household", None, {"online_sales": 10})
    )
    with pytest.raises(ValueError):
        recommend("cooperative", None, {})


def test_reasons_round_the_score_and_use_the_audiences_dimension_name():
    rec = recommend("enterprise", None, {"online_sales": 19.6})[0]
    assert rec.reason("en") == "Your score for “Customers and online sales” is 20/100."


def _raw():
    return yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "change,fault",
    [
        (lambda r: r["rules"][0].update(dimension="nonsense"), "unknown dimension"),
        (lambda r: r["rules"][0].update(courses=["no_such_topic"]), "unknown course topic"),
        (lambda r: r["rules"][0].update(below=150), "'below'"),
        (lambda r: r["rules"][0].update(audience="pets"), "unknown audience"),
        (lambda r: r["rules"][0].update(colour="red"), "unknown key"),
        (lambda r: r["rules"][1].update(id=r["rules"][0]["id"]), "duplicate rule id"),
        (
            lambda r: r["topics"]["ecommerce"].pop("en"),
            "topics: missing 'en' translation of ecommerce",
        ),
        (lambda r: r["rules"][0].update(courses=[], listing_paths=[]), "neither"),
    ],
)
def test_malformed_rules_are_refused_with_the_place_named(change, fault):
    raw = _raw()
    change(raw)
    with pytest.raises(DefinitionError) as error:
        parse_rules(raw, "recommendations.yaml")
    assert fault in str(error.value) and "recommendations.yaml" in str(error.value)
