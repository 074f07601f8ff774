"""Tests for loading and validating questionnaire definitions."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from assessments import (
    QUESTION_TYPES,
    QUESTIONNAIRE_DIR,
    DefinitionError,
    load_all,
    load_questionnaire,
)
from assessments.loader import QuestionnaireRegistry

FILE = "demo-v1.yaml"
VIETNAMESE_LETTER = re.compile(
    r"[ăâđêôơưàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ]"
)


def t(vi: str, en: str | None = None) -> dict[str, str]:
    """Return a translated text mapping."""
    return {"vi": vi, "en": en if en is not None else f"{vi} (en)"}


def opt(option_id: str, points: float, **extra: Any) -> dict[str, Any]:
    """Return an option mapping."""
    return {"id": option_id, "points": points, "label": t(f"Lựa chọn {option_id}"), **extra}


def band(min_score: float) -> dict[str, Any]:
    """Return a band mapping."""
    return {
        "min_score": min_score,
        "explanation": t("Giải thích"),
        "next_steps": [t("Bước một"), t("Bước hai")],
    }


def valid() -> dict[str, Any]:
    """Return a small definition that loads; each fault test breaks one thing."""
    return {
        "id": "demo",
        "version": 1,
        "audience": "enterprise",
        "title": t("Tiêu đề"),
        "intro": t("Giới thiệu"),
        "levels": [
            {"level": i, "min_score": m, "name": t(f"Mức {i}")}
            for i, m in enumerate([0, 10, 25, 45, 65, 85])
        ],
        "dimensions": [
            {
                "id": "alpha",
                "weight": 1,
                "title": t("Thứ nhất"),
                "description": t("Mô tả"),
                "bands": [band(0), band(50)],
                "questions": [
                    {
                        "id": "sells",
                        "type": "single",
                        "weight": 2,
                        "text": t("Có bán hàng không?"),
                        "options": [opt("no", 0), opt("yes", 100)],
                    },
                    {
                        "id": "channels",
                        "type": "multi",
                        "show_if": {"question": "sells", "in": ["yes"]},
                        "text": t("Bán ở đâu?"),
                        "options": [
                            opt("web", 60),
                            opt("shop", 60),
                            opt("none", 0, exclusive=True),
                        ],
                    },
                    {
                        "id": "staff",
                        "type": "number",
                        "weight": 0,
                        "min": 0,
                        "max": 500,
                        "text": t("Bao nhiêu người?"),
                    },
                ],
            },
            {
                "id": "beta",
                "weight": 2,
                "title": t("Thứ hai"),
                "description": t("Mô tả"),
                "bands": [band(0), band(40), band(70)],
                "questions": [
                    {
                        "id": "skills",
                        "type": "scale",
                        "show_if": {"question": "staff", "at_least": 5},
                        "text": t("Kỹ năng?"),
                    },
                    {"id": "backup", "type": "yesno", "weight": 2, "text": t("Sao lưu?")},
                    {
                        "id": "share",
                        "type": "number",
                        "min": 0,
                        "max": 100,
                        "scoring": [
                            {"at_least": 10, "points": 50},
                            {"at_least": 50, "points": 100},
                        ],
                        "text": t("Tỷ lệ?"),
                    },
                ],
            },
        ],
    }


def write(directory: Path, data: object, name: str = FILE) -> Path:
    """Write a definition as YAML and return its path."""
    path = directory / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def question(data: dict[str, Any], question_id: str) -> dict[str, Any]:
    """Return the raw mapping of a question in a definition."""
    for dimension in data["dimensions"]:
        for item in dimension["questions"]:
            if item["id"] == question_id:
                return item
    raise KeyError(question_id)


# ------------------------------------------------------------------ shipped files


def test_shipped_questionnaires_load() -> None:
    registry = load_all()
    assert sorted(q.key for q in registry) == [("enterprise", 1), ("household", 1)]
    assert registry.for_audience("enterprise").id == "enterprise"
    assert registry.for_audience("household").id == "household"
    assert registry.latest("household").version == 1
    assert registry.get("enterprise", 1).source == "enterprise-v1.yaml"
    with pytest.raises(KeyError):
        registry.get("enterprise", 99)
    with pytest.raises(KeyError):
        registry.for_audience("government")


def test_enterprise_shape() -> None:
    questionnaire = load_questionnaire(QUESTIONNAIRE_DIR / "enterprise-v1.yaml")
    assert [d.id for d in questionnaire.dimensions] == [
        "strategy",
        "online_sales",
        "operations",
        "data",
        "security",
        "people",
    ]
    assert 30 <= len(questionnaire.questions) <= 40
    assert questionnaire.question("sell_channels").show_if is not None
    types = {q.type for q in questionnaire.questions}
    assert types == set(QUESTION_TYPES)


def test_household_shape() -> None:
    questionnaire = load_questionnaire(QUESTIONNAIRE_DIR / "household-v1.yaml")
    assert questionnaire.audience == "household"
    assert [d.id for d in questionnaire.dimensions] == [
        "devices",
        "payments",
        "online_sales",
        "product_info",
        "skills_safety",
    ]
    assert 12 <= len(questionnaire.questions) <= 18


@pytest.mark.parametrize("name", ["enterprise-v1.yaml", "household-v1.yaml"])
def test_shipped_texts_are_translated_and_complete(name: str) -> None:
    questionnaire = load_questionnaire(QUESTIONNAIRE_DIR / name)
    names = [level.name.get("vi") for level in questionnaire.levels]
    assert names == ["Chưa khởi động", "Khởi động", "Bắt đầu", "Hình thành", "Nâng cao", "Dẫn dắt"]
    assert [level.min_score for level in questionnaire.levels] == [0, 10, 25, 45, 65, 85]
    texts = [questionnaire.title, questionnaire.intro]
    for dimension in questionnaire.dimensions:
        assert [b.min_score for b in dimension.bands] == [0, 40, 70]
        for item in dimension.bands:
            assert 2 <= len(item.next_steps) <= 3
            texts += [item.explanation, *item.next_steps]
        texts += [dimension.title, dimension.description]
        for q in dimension.questions:
            texts += [q.text, *(o.label for o in q.options)]
            texts += [q.help] if q.help else []
    # Vietnamese typed without diacritics would be a serious quality fault; only short
    # labels made of brand names ("Zalo Official Account") may lack them.
    accented = [text for text in texts if VIETNAMESE_LETTER.search(text.vi.lower())]
    assert len(accented) >= 0.95 * len(texts)
    for text in texts:
        assert text in accented or len(text.vi) < 30, text.vi
        assert text.en != text.vi or len(text.en) < 30, text.en


def test_yaml_yes_no_stay_strings() -> None:
    questionnaire = load_questionnaire(QUESTIONNAIRE_DIR / "household-v1.yaml")
    assert [o.id for o in questionnaire.question("sell_online").options] == [
        "no",
        "through_others",
        "yes",
    ]


# ---------------------------------------------------------------- valid definition


def test_valid_definition_loads(tmp_path: Path) -> None:
    questionnaire = load_questionnaire(write(tmp_path, valid()))
    assert questionnaire.key == ("demo", 1)
    assert [q.id for q in questionnaire.questions] == [
        "sells",
        "channels",
        "staff",
        "skills",
        "backup",
        "share",
    ]
    assert questionnaire.question("channels").dimension == "alpha"
    assert questionnaire.question("skills").show_if.at_least == 5
    assert [o.points for o in questionnaire.question("skills").options] == [0, 20, 40, 60, 80, 100]
    assert questionnaire.question("backup").options[1].label.get("en") == "Partly"


# ------------------------------------------------------------------------- faults

Mutation = Callable[[dict[str, Any]], object]


def q_set(question_id: str, key: str, value: object) -> Mutation:
    """Return a mutation that sets a key of a question."""

    def mutate(data: dict[str, Any]) -> None:
        question(data, question_id)[key] = value

    return mutate


def q_del(question_id: str, key: str) -> Mutation:
    """Return a mutation that removes a key of a question."""

    def mutate(data: dict[str, Any]) -> None:
        del question(data, question_id)[key]

    return mutate


def apply(fn: Callable[[dict[str, Any]], None]) -> Mutation:
    """Name a free-form mutation (keeps the parametrize table readable)."""
    return fn


FAULTS: list[tuple[str, Mutation, str, str]] = [
    (
        "question text without en",
        q_set("channels", "text", {"vi": "Bán ở đâu?"}),
        "question 'channels'",
        "missing 'en' translation of text",
    ),
    (
        "question text without vi",
        q_set("channels", "text", {"en": "Where?", "vi": "  "}),
        "question 'channels'",
        "missing 'vi' translation of text",
    ),
    (
        "plain string instead of translations",
        q_set("backup", "text", "Sao lưu?"),
        "question 'backup'",
        "text must be a mapping of translations",
    ),
    (
        "help without en",
        q_set("backup", "help", {"vi": "Gợi ý"}),
        "question 'backup'",
        "missing 'en' translation of help",
    ),
    (
        "option label without en",
        apply(lambda d: question(d, "sells")["options"][1]["label"].pop("en")),
        "question 'sells': option 'yes'",
        "missing 'en' translation of label",
    ),
    (
        "scale label without vi",
        q_set("skills", "labels", {5: {"en": "Expert"}}),
        "question 'skills'",
        "missing 'vi' translation of label 5",
    ),
    (
        "band next step without en",
        apply(lambda d: d["dimensions"][1]["bands"][2]["next_steps"][1].pop("en")),
        "dimension 'beta': band #3",
        "missing 'en' translation of next step #2",
    ),
    (
        "band explanation without vi",
        apply(lambda d: d["dimensions"][0]["bands"][0]["explanation"].pop("vi")),
        "dimension 'alpha': band #1",
        "missing 'vi' translation of explanation",
    ),
    (
        "dimension title without en",
        apply(lambda d: d["dimensions"][0]["title"].pop("en")),
        "dimension 'alpha'",
        "missing 'en' translation of title",
    ),
    (
        "level name without vi",
        apply(lambda d: d["levels"][3]["name"].pop("vi")),
        "levels: level 3",
        "missing 'vi' translation of name",
    ),
    (
        "questionnaire intro without en",
        apply(lambda d: d["intro"].pop("en")),
        "questionnaire",
        "missing 'en' translation of intro",
    ),
    (
        "unknown language",
        apply(lambda d: d["title"].update(fr="Titre")),
        "questionnaire",
        "unknown language 'fr' in title",
    ),
    (
        "unknown question type",
        q_set("backup", "type", "slider"),
        "question 'backup'",
        "unknown question type 'slider'",
    ),
    (
        "unknown key",
        q_set("backup", "show-if", {"question": "sells", "in": ["yes"]}),
        "question 'backup'",
        "unknown key 'show-if'",
    ),
    (
        "duplicate question id across dimensions",
        q_set("share", "id", "sells"),
        "question 'sells'",
        "duplicate question id",
    ),
    (
        "duplicate dimension id",
        apply(lambda d: d["dimensions"][1].update(id="alpha")),
        "dimension 'alpha'",
        "duplicate dimension id",
    ),
    (
        "duplicate option id",
        apply(lambda d: question(d, "channels")["options"][1].update(id="web")),
        "question 'channels'",
        "duplicate option id 'web'",
    ),
    (
        "show_if unknown question",
        q_set("channels", "show_if", {"question": "sold", "in": ["yes"]}),
        "question 'channels': show_if",
        "refers to unknown question 'sold'",
    ),
    (
        "show_if later question",
        q_set("sells", "show_if", {"question": "backup", "in": ["yes"]}),
        "question 'sells': show_if",
        "refers to later question 'backup'",
    ),
    (
        "show_if itself",
        q_set("channels", "show_if", {"question": "channels", "in": ["web"]}),
        "question 'channels': show_if",
        "refers to the question itself",
    ),
    (
        "show_if unknown option",
        q_set("channels", "show_if", {"question": "sells", "in": ["maybe"]}),
        "question 'channels': show_if",
        "refers to unknown option 'maybe' of question 'sells'",
    ),
    (
        "show_if unknown yesno option",
        q_set("share", "show_if", {"question": "backup", "in": ["sometimes"]}),
        "question 'share': show_if",
        "refers to unknown option 'sometimes' of question 'backup'",
    ),
    (
        "show_if at_least on a choice",
        q_set("channels", "show_if", {"question": "sells", "at_least": 2}),
        "question 'channels': show_if",
        "'at_least' cannot refer to single question 'sells'",
    ),
    (
        "show_if with both forms",
        q_set("skills", "show_if", {"question": "staff", "at_least": 2, "in": ["x"]}),
        "question 'skills': show_if",
        "needs exactly one of 'in' or 'at_least'",
    ),
    (
        "negative question weight",
        q_set("backup", "weight", -1),
        "question 'backup'",
        "weight must not be negative",
    ),
    (
        "all question weights zero",
        apply(lambda d: [q.update(weight=0) for q in d["dimensions"][0]["questions"]]),
        "dimension 'alpha'",
        "all question weights are zero",
    ),
    (
        "negative dimension weight",
        apply(lambda d: d["dimensions"][1].update(weight=-2)),
        "dimension 'beta'",
        "weight must not be negative",
    ),
    (
        "all dimension weights zero",
        apply(lambda d: [dim.update(weight=0) for dim in d["dimensions"]]),
        "dimensions",
        "all dimension weights are zero",
    ),
    (
        "option points above 100",
        apply(lambda d: question(d, "sells")["options"][1].update(points=101)),
        "question 'sells': option 'yes'",
        "'points' must be between 0 and 100, got 101",
    ),
    (
        "option points below 0",
        apply(lambda d: question(d, "channels")["options"][0].update(points=-5)),
        "question 'channels': option 'web'",
        "'points' must be between 0 and 100, got -5",
    ),
    (
        "scoring step points above 100",
        q_set("share", "scoring", [{"at_least": 10, "points": 150}]),
        "question 'share': scoring step #1",
        "'points' must be between 0 and 100",
    ),
    (
        "five levels",
        apply(lambda d: d["levels"].pop()),
        "levels",
        "expected 6 levels (0..5), got 5",
    ),
    (
        "thresholds not increasing",
        apply(lambda d: d["levels"][4].update(min_score=40)),
        "levels: level 4",
        "thresholds must increase: min_score 40 after 45",
    ),
    (
        "thresholds not starting at 0",
        apply(lambda d: d["levels"][0].update(min_score=5)),
        "levels: level 0",
        "the first threshold must be min_score 0",
    ),
    (
        "levels out of order",
        apply(lambda d: d["levels"][2].update(level=3)),
        "levels: level 2",
        "levels must be numbered 0..5 in order",
    ),
    (
        "number min equals max",
        q_set("share", "min", 100),
        "question 'share'",
        "min (100) must be less than max (100)",
    ),
    (
        "number min above max",
        q_set("staff", "min", 600),
        "question 'staff'",
        "min (600) must be less than max (500)",
    ),
    (
        "weighted number without scoring",
        q_del("share", "scoring"),
        "question 'share'",
        "a weighted number question needs 'scoring' steps",
    ),
    (
        "bands not starting at 0",
        apply(lambda d: d["dimensions"][0]["bands"][0].update(min_score=10)),
        "dimension 'alpha': band #1",
        "the first threshold must be min_score 0",
    ),
    (
        "bands not increasing",
        apply(lambda d: d["dimensions"][1]["bands"][2].update(min_score=40)),
        "dimension 'beta': band #3",
        "thresholds must increase",
    ),
    (
        "band without next steps",
        apply(lambda d: d["dimensions"][1]["bands"][0].update(next_steps=[])),
        "dimension 'beta': band #1",
        "'next_steps' must be a non-empty list",
    ),
    (
        "choice question without options",
        q_del("sells", "options"),
        "question 'sells'",
        "'options' must be a non-empty list",
    ),
    (
        "exclusive option on a single question",
        apply(lambda d: question(d, "sells")["options"][0].update(exclusive=True)),
        "question 'sells'",
        "'exclusive' only applies to multi questions",
    ),
    (
        "missing question text",
        q_del("backup", "text"),
        "question 'backup'",
        "missing 'text'",
    ),
    (
        "bad question id",
        q_set("backup", "id", "Back Up"),
        "dimension 'beta': question #2",
        "'id' must be a lowercase identifier",
    ),
    (
        "unknown audience",
        apply(lambda d: d.update(audience="government")),
        "questionnaire",
        "unknown audience 'government'",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "place", "fault"),
    [pytest.param(m, p, f, id=name) for name, m, p, f in FAULTS],
)
def test_fault_is_reported_with_file_place_and_fault(
    tmp_path: Path, mutate: Mutation, place: str, fault: str
) -> None:
    data = copy.deepcopy(valid())
    mutate(data)
    with pytest.raises(DefinitionError) as caught:
        load_questionnaire(write(tmp_path, data))
    message = str(caught.value)
    assert message.startswith(f"{FILE}: {place}: "), message
    assert fault in message, message
    assert caught.value.file == FILE
    assert caught.value.place == place


def test_message_matches_documented_format(tmp_path: Path) -> None:
    data = valid()
    question(data, "channels")["id"] = "sell_channels"
    question(data, "sell_channels")["text"] = {"vi": "Bán ở đâu?"}
    with pytest.raises(DefinitionError) as caught:
        load_questionnaire(write(tmp_path, data, "enterprise-v1.yaml"))
    assert str(caught.value) == (
        "enterprise-v1.yaml: question 'sell_channels': missing 'en' translation of text"
    )


def test_invalid_yaml_names_file(tmp_path: Path) -> None:
    path = tmp_path / "broken-v1.yaml"
    path.write_text("id: demo\n  version: [1\n", encoding="utf-8")
    with pytest.raises(DefinitionError, match=r"^broken-v1\.yaml: invalid YAML"):
        load_questionnaire(path)


def test_top_level_must_be_mapping(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError, match=r"^demo-v1\.yaml: the file must be a mapping"):
        load_questionnaire(write(tmp_path, ["not", "a", "mapping"]))


# ----------------------------------------------------------------------- registry


def test_registry_picks_latest_version(tmp_path: Path) -> None:
    first = valid()
    second = valid()
    second["version"] = 2
    second["title"] = t("Phiên bản hai")
    write(tmp_path, first, "demo-v1.yaml")
    write(tmp_path, second, "demo-v2.yaml")
    registry = load_all(tmp_path)
    assert isinstance(registry, QuestionnaireRegistry)
    assert len(registry) == 2
    assert registry.latest("demo").version == 2
    assert registry.for_audience("enterprise").title.get("vi") == "Phiên bản hai"
    assert registry.get("demo", 1).title.get("vi") == "Tiêu đề"


def test_registry_rejects_duplicate_versions(tmp_path: Path) -> None:
    write(tmp_path, valid(), "a.yaml")
    write(tmp_path, valid(), "b.yaml")
    with pytest.raises(DefinitionError, match=r"^b\.yaml: questionnaire: duplicate id 'demo'"):
        load_all(tmp_path)


def test_registry_reports_broken_file(tmp_path: Path) -> None:
    data = valid()
    question(data, "backup")["type"] = "rating"
    write(tmp_path, valid(), "demo-v1.yaml")
    data["version"] = 2
    write(tmp_path, data, "demo-v2.yaml")
    with pytest.raises(DefinitionError, match=r"^demo-v2\.yaml: question 'backup': unknown"):
        load_all(tmp_path)
