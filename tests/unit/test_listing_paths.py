"""The listing-path catalog: its data, and the loader refusing broken files."""

import copy

import pytest
import yaml

from assessments.errors import DefinitionError
from assessments.listing_paths import (
    CATALOG_FILE,
    DOCUMENT_TYPES,
    load_catalog,
    parse_catalog,
)
from assessments.recommend import load_rules

EXPECTED_PATHS = {
    "provincial_trade_portal",
    "postmart",
    "voso",
    "shopee",
    "lazada",
    "tiki",
    "tiktok_shop",
    "ocop_marketplace",
    "own_website",
    "digital_payment",
}


@pytest.fixture
def raw():
    return yaml.safe_load(CATALOG_FILE.read_text(encoding="utf-8"))


def test_catalog_has_every_platform_with_steps_in_both_languages():
    catalog = load_catalog()
    assert set(catalog.ids()) == EXPECTED_PATHS
    for path in catalog.paths:
        assert path.steps
        for step in path.steps:
            assert step.title.get("vi") and step.title.get("en")
            assert step.instructions.get("vi") != step.instructions.get("en")


def test_every_path_a_rule_recommends_is_in_the_catalog():
    recommended = {p for rule in load_rules().rules for p in rule.listing_paths}
    assert recommended <= set(load_catalog().ids())


def test_paths_are_marked_as_sales_or_payment_channels():
    catalog = load_catalog()
    assert catalog.ids("payment") == ["digital_payment"]
    assert "shopee" in catalog.ids("sales") and "digital_payment" not in catalog.ids("sales")


def test_kind_and_sector_decide_which_paths_are_offered():
    catalog = load_catalog()
    household_farm = {p.id for p in catalog.offered_to("household", "agriculture")}
    assert {"postmart", "voso", "ocop_marketplace", "digital_payment"} <= household_farm
    # Tiki and Lazada accept only registered businesses.
    assert "tiki" not in household_farm and "lazada" not in household_farm
    assert "tiki" in {p.id for p in catalog.offered_to("enterprise", "trade")}
    assert "ocop_marketplace" not in {p.id for p in catalog.offered_to("enterprise", "transport")}


def test_documents_depend_on_the_sector_where_relevant():
    step = load_catalog().get("postmart").step("products")
    food = [d.id for d in step.documents_for("food_processing")]
    crafts = [d.id for d in step.documents_for("handicrafts")]
    assert "food_safety_certificate" in food and "food_safety_certificate" not in crafts
    assert "product_photos" in crafts
    assert DOCUMENT_TYPES["product_photos"].name.get("vi").startswith("Ít nhất ba ảnh")


def test_ocop_marketplace_asks_for_the_ocop_rating_first():
    path = load_catalog().get("ocop_marketplace")
    assert [d.id for d in path.steps[0].documents_for("agriculture")] == ["ocop_rating"]
    assert path.name.get("vi") == "Sàn sản phẩm OCOP của tỉnh"


def _refusal(raw) -> str:
    with pytest.raises(DefinitionError) as info:
        parse_catalog(raw, "listing_paths.yaml")
    return str(info.value)


def test_missing_english_text_is_refused_naming_path_and_step(raw):
    broken = copy.deepcopy(raw)
    del broken["paths"][1]["steps"][2]["instructions"]["en"]
    assert _refusal(broken) == (
        "listing_paths.yaml: path postmart: step products: missing 'en' translation of instructions"
    )


def test_missing_vietnamese_name_is_refused(raw):
    broken = copy.deepcopy(raw)
    broken["paths"][0]["name"] = {"en": "Trade portal"}
    assert _refusal(broken).endswith(
        "path provincial_trade_portal: missing 'vi' translation of name"
    )


def test_duplicate_path_id_is_refused(raw):
    broken = copy.deepcopy(raw)
    broken["paths"][2]["id"] = "postmart"
    assert _refusal(broken) == "listing_paths.yaml: path postmart: duplicate path id"


def test_duplicate_step_id_is_refused(raw):
    broken = copy.deepcopy(raw)
    broken["paths"][3]["steps"][1]["id"] = "account"
    assert _refusal(broken) == "listing_paths.yaml: path shopee: step account: duplicate step id"


def test_unknown_document_type_is_refused(raw):
    broken = copy.deepcopy(raw)
    broken["paths"][4]["steps"][0]["documents"].append("passport_photo")
    assert _refusal(broken) == (
        "listing_paths.yaml: path lazada: step account: unknown document type 'passport_photo'"
    )


@pytest.mark.parametrize(
    ("change", "fault"),
    [
        (lambda p: p.update(channel="shop"), "channel must be one of sales, payment"),
        (lambda p: p.update(kinds=["farmer"]), "unknown business kind 'farmer'"),
        (lambda p: p.update(steps=[]), "non-empty list of steps"),
        (lambda p: p.pop("channel"), "missing 'channel'"),
        (lambda p: p.update(colour="red"), "unknown key 'colour'"),
    ],
)
def test_malformed_paths_are_refused(raw, change, fault):
    broken = copy.deepcopy(raw)
    change(broken["paths"][5])
    message = _refusal(broken)
    assert message.startswith("listing_paths.yaml: path tiki") and message.endswith(fault)


def test_an_empty_file_is_refused():
    assert "non-empty list of paths" in _refusal(None)
