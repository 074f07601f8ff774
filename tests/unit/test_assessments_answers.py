"""Tests for answer normalization, visibility, texts and pluggable question types."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Self

import pytest

from assessments import (
    QUESTION_TYPES,
    AnswerError,
    DefinitionError,
    Questionnaire,
    QuestionType,
    Text,
    load_all,
    parse_questionnaire,
    score,
)
from assessments._parse import Where


def t(vi: str) -> dict[str, str]:
    """Return a translated text mapping."""
    return {"vi": vi, "en": f"{vi} (en)"}


def definition(questions: list[dict[str, Any]]) -> dict[str, Any]:
    """Return a one-dimension definition holding the given questions."""
    return {
        "id": "demo",
        "version": 1,
        "audience": "household",
        "title": t("Thử"),
        "intro": t("Thử"),
        "levels": [
            {"level": i, "min_score": m, "name": t(f"Mức {i}")}
            for i, m in enumerate([0, 10, 25, 45, 65, 85])
        ],
        "dimensions": [
            {
                "id": "only",
                "weight": 1,
                "title": t("Một"),
                "description": t("Mô tả"),
                "bands": [{"min_score": 0, "explanation": t("Giải"), "next_steps": [t("Bước")]}],
                "questions": questions,
            }
        ],
    }


def opt(option_id: str, points: float, **extra: Any) -> dict[str, Any]:
    """Return an option mapping."""
    return {"id": option_id, "points": points, "label": t(option_id), **extra}


@pytest.fixture
def demo() -> Questionnaire:
    """One question of each type, with a chain of show_if conditions."""
    return parse_questionnaire(
        definition(
            [
                {
                    "id": "pick",
                    "type": "single",
                    "text": t("pick"),
                    "options": [opt("a", 0), opt("b", 100)],
                },
                {
                    "id": "many",
                    "type": "multi",
                    "show_if": {"question": "pick", "in": ["b"]},
                    "text": t("many"),
                    "options": [opt("x", 60), opt("y", 60), opt("none", 0, exclusive=True)],
                },
                {
                    "id": "rate",
                    "type": "scale",
                    "show_if": {"question": "many", "in": ["y"]},
                    "text": t("rate"),
                },
                {"id": "yn", "type": "yesno", "text": t("yn")},
                {
                    "id": "count",
                    "type": "number",
                    "integer": True,
                    "min": 0,
                    "max": 50,
                    "scoring": [{"at_least": 1, "points": 100}],
                    "text": t("count"),
                },
                {
                    "id": "share",
                    "type": "number",
                    "min": 0,
                    "max": 100,
                    "scoring": [{"at_least": 0, "points": 10}],
                    "show_if": {"question": "count", "at_least": 10},
                    "text": t("share"),
                },
            ]
        ),
        "demo-v1.yaml",
    )


VALID = [
    ("pick", "b", "b"),
    ("pick", [" b "], "b"),
    ("many", ["y", "x", "y"], ["x", "y"]),
    ("many", "x", ["x"]),
    ("many", ["none", ""], ["none"]),
    ("rate", "3", 3),
    ("rate", 5, 5),
    ("rate", "0", 0),
    ("yn", "Partly", "partly"),
    ("yn", ["no"], "no"),
    ("count", "12", 12),
    ("count", 7.0, 7),
    ("share", "12.5", 12.5),
    ("share", " 40 ", 40),
]


@pytest.mark.parametrize(("question_id", "raw", "value"), VALID)
def test_normalize_valid(demo: Questionnaire, question_id: str, raw: object, value: object) -> None:
    normalized = demo.question(question_id).normalize(raw)
    assert normalized == value
    assert type(normalized) is type(value)


INVALID = [
    ("pick", "", "required", {}),
    ("pick", None, "required", {}),
    ("pick", "c", "unknown_option", {"value": "c"}),
    ("pick", ["a", "b"], "too_many_choices", {}),
    ("many", [], "required", {}),
    ("many", ["x", "zz"], "unknown_option", {"value": "zz"}),
    ("many", ["none", "x"], "exclusive_conflict", {"option": "none"}),
    ("rate", "6", "out_of_range", {"value": 6, "min": 0, "max": 5}),
    ("rate", -1, "out_of_range", {"value": -1, "min": 0, "max": 5}),
    ("rate", "2.5", "not_a_number", {"value": "2.5"}),
    ("rate", "abc", "not_a_number", {"value": "abc"}),
    ("rate", True, "not_a_number", {"value": True}),
    ("yn", "maybe", "unknown_option", {"value": "maybe"}),
    ("count", "1,5", "not_a_number", {"value": "1,5"}),
    ("count", "nan", "not_a_number", {"value": "nan"}),
    ("count", "1_000", "not_a_number", {"value": "1_000"}),
    ("count", "2.5", "not_an_integer", {"value": 2.5}),
    ("count", "51", "out_of_range", {"value": 51, "min": 0, "max": 50}),
    ("share", float("inf"), "not_a_number", {"value": float("inf")}),
    ("share", "-0.5", "out_of_range", {"value": -0.5, "min": 0, "max": 100}),
]


@pytest.mark.parametrize(("question_id", "raw", "code", "params"), INVALID)
def test_normalize_invalid(
    demo: Questionnaire, question_id: str, raw: object, code: str, params: dict[str, Any]
) -> None:
    with pytest.raises(AnswerError) as caught:
        demo.question(question_id).normalize(raw)
    assert caught.value.code == code
    assert caught.value.params == params
    assert caught.value.question == question_id
    assert str(caught.value).startswith(f"question '{question_id}': {code}")


TYPED_NUMBERS = [
    ("share", "2,5", "vi", 2.5),
    ("share", "2.5", "en", 2.5),
    ("share", "12", "vi", 12),
    ("count", "50", "en", 50),
    ("share", ["99,75"], "vi", 99.75),
]


@pytest.mark.parametrize(("question_id", "raw", "locale", "value"), TYPED_NUMBERS)
def test_typed_numbers_are_read_in_the_page_language(
    demo: Questionnaire, question_id: str, raw: object, locale: str, value: object
) -> None:
    normalized = demo.question(question_id).normalize(raw, locale)
    assert normalized == value
    assert type(normalized) is type(value)


def test_a_vietnamese_thousand_is_a_thousand_not_one() -> None:
    from assessments.question_types import Number

    people = Number(min=1, max=100_000, integer=True)
    assert people.normalize("1.000", "vi") == 1000
    assert people.normalize("1,000", "en") == 1000
    assert people.normalize("10.000", "vi") == 10_000
    # Stored answers are JSON numbers and load whatever the page language.
    assert people.normalize(1000, "vi") == 1000 and people.normalize(1000.0, "en") == 1000


TYPED_INVALID = [
    ("share", "1,000", "vi", "ambiguous_number", {"value": "1,000", "examples": ["1.000", "1"]}),
    ("share", "1.000", "en", "ambiguous_number", {"value": "1.000", "examples": ["1,000", "1"]}),
    ("share", "2.5", "vi", "not_a_number", {"value": "2.5", "examples": ["2,5"]}),
    ("share", "hai", "vi", "not_a_number", {"value": "hai", "examples": ["1.000", "2,5"]}),
    ("share", "9" * 30, "en", "number_too_long", {"value": "9" * 30}),
    ("count", "2,5", "vi", "not_an_integer", {"value": 2.5}),
    ("count", "1.000", "vi", "out_of_range", {"value": 1000, "min": 0, "max": 50}),
]


@pytest.mark.parametrize(("question_id", "raw", "locale", "code", "params"), TYPED_INVALID)
def test_typed_numbers_that_cannot_be_read_for_sure_are_refused(
    demo: Questionnaire,
    question_id: str,
    raw: object,
    locale: str,
    code: str,
    params: dict[str, Any],
) -> None:
    with pytest.raises(AnswerError) as caught:
        demo.question(question_id).normalize(raw, locale)
    assert caught.value.code == code
    assert caught.value.params == params


def test_points_reject_invalid_values(demo: Questionnaire) -> None:
    with pytest.raises(AnswerError, match="exclusive_conflict"):
        demo.question("many").points(["x", "none"])
    with pytest.raises(AnswerError, match="unknown_option"):
        score(demo, {"pick": "zzz"})


def test_visibility_follows_the_chain(demo: Questionnaire) -> None:
    answers: dict[str, object] = {"pick": "b", "many": ["y"], "count": 3}
    assert [q.id for q in demo.visible_questions(answers)] == [
        "pick",
        "many",
        "rate",
        "yn",
        "count",
    ]
    # "many" keeps a stale answer once "pick" changes; "rate" must disappear with it.
    answers["pick"] = "a"
    assert [q.id for q in demo.visible_questions(answers)] == ["pick", "yn", "count"]
    assert not demo.is_visible("rate", answers)
    assert demo.is_visible("share", {"count": 10})
    assert not demo.is_visible("share", {"count": 9})
    assert not demo.is_visible("share", {})


def test_missing(demo: Questionnaire) -> None:
    assert [q.id for q in demo.missing({})] == ["pick", "yn", "count"]
    answers = {"pick": "b", "many": ["x"], "yn": "no", "count": 0}
    assert demo.missing(answers) == ()
    assert [q.id for q in demo.missing({**answers, "many": ["y"]})] == ["rate"]


def test_text_falls_back_to_vietnamese() -> None:
    text = Text(vi="Xin chào", en="Hello")
    assert text.get("en") == "Hello"
    assert text.get("vi") == "Xin chào"
    assert text.get("fr") == "Xin chào"
    assert text.get() == "Xin chào"


def test_implied_labels_are_translatable() -> None:
    household = load_all().for_audience("household")
    scale = household.question("phone_skills").options
    assert [o.id for o in scale] == ["0", "1", "2", "3", "4", "5"]
    assert [o.points for o in scale] == [0, 20, 40, 60, 80, 100]
    assert scale[5].label.get("vi") == "Rất thành thạo, hướng dẫn được người khác"
    enterprise = load_all().for_audience("enterprise")
    yes_no = enterprise.question("leadership").options
    assert [(o.id, o.points, o.label.get("vi"), o.label.get("en")) for o in yes_no] == [
        ("yes", 100, "Có", "Yes"),
        ("partly", 50, "Một phần", "Partly"),
        ("no", 0, "Chưa", "No"),
    ]
    assert enterprise.question("new_business_models").options[0].label.get("en") == "Not at all"


@dataclass(frozen=True)
class Stars(QuestionType):
    """A test-only type: 1 to 3 stars."""

    name: ClassVar[str] = "stars"
    condition_forms: ClassVar[frozenset[str]] = frozenset({"at_least"})

    @classmethod
    def from_definition(cls, raw: Mapping[str, Any], where: Where) -> Self:
        """Build from the YAML mapping."""
        return cls()

    def normalize(self, raw: object, locale: str | None = None) -> int:
        """Return the number of stars."""
        if str(raw) not in {"1", "2", "3"}:
            raise AnswerError("out_of_range", value=raw, min=1, max=3)
        return int(str(raw))

    def points(self, value: object) -> float:
        """Return 0, 50 or 100."""
        return (self.normalize(value) - 1) * 50


def test_new_question_type_is_one_class(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = definition(
        [
            {"id": "rating", "type": "stars", "text": t("Mấy sao?")},
            {
                "id": "why",
                "type": "yesno",
                "show_if": {"question": "rating", "at_least": 3},
                "text": t("Vì sao?"),
            },
        ]
    )
    with pytest.raises(DefinitionError, match="unknown question type 'stars'"):
        parse_questionnaire(raw, "demo-v1.yaml")
    monkeypatch.setitem(QUESTION_TYPES, "stars", Stars)
    questionnaire = parse_questionnaire(raw, "demo-v1.yaml")
    rating = questionnaire.question("rating")
    assert rating.normalize("2") == 2
    assert score(questionnaire, {"rating": 2}).overall == 50.0
    assert score(questionnaire, {"rating": 3, "why": "no"}).overall == 50.0
