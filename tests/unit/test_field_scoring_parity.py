"""The field app's JavaScript scorer gives exactly the Python scorer's results.

Hundreds of generated answer sets per questionnaire (FIELD_PARITY_EXAMPLES=5000 for more) —
every YAML file in assessments/questionnaires, so a new version is covered as soon as it
exists, plus a synthetic questionnaire with fractional weights and points — are scored by
assessments.scoring and assessments.recommend, and by static/field/scorer.js under Node in one
batch, reading the JSON export the field app is served. Scores, level, recommendations and
reason texts must be equal.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from assessments import load_all, parse_questionnaire, score
from assessments.field_export import export
from assessments.loader import QUESTIONNAIRE_DIR
from assessments.question_types import MultiChoice, Number, Scale, SingleChoice, YesNo
from assessments.recommend import load_rules, recommend
from assessments.yaml_reader import load_yaml

ROOT = Path(__file__).resolve().parents[2]
SCORER = ROOT / "static" / "field" / "scorer.js"
RUNNER = ROOT / "tests" / "js" / "field_parity.mjs"
EXAMPLES = int(os.environ.get("FIELD_PARITY_EXAMPLES", "600"))
NODE = shutil.which("node")

pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed")

_MISSING = object()


def _synthetic():
    """The household questionnaire with fractional weights and points, to stress exactness."""
    raw = load_yaml(QUESTIONNAIRE_DIR / "household-v1.yaml")
    raw["id"], raw["version"] = "household_synthetic", 99
    dim_weights = itertools.cycle([0.7, 1.3, 2.25, 0, 1 / 3])
    q_weights = itertools.cycle([0.3, 1, 2.5, 0.1, 1 / 7])
    for dimension in raw["dimensions"]:
        dimension["weight"] = next(dim_weights)
        for question in dimension["questions"]:
            question["weight"] = next(q_weights)
            for option in question.get("options", []):
                option["points"] = min(100, round(option["points"] * 1.13 + 0.1, 2))
            for step in question.get("scoring", []):
                step["points"] = round(step["points"] * 0.77 + 0.05, 2)
    return parse_questionnaire(raw, "synthetic")


def _value(question):
    kind = question.kind
    if isinstance(kind, SingleChoice | YesNo):
        return st.sampled_from([o.id for o in question.options])
    if isinstance(kind, Scale):
        return st.integers(0, 5)
    if isinstance(kind, MultiChoice):
        free = [o.id for o in question.options if not o.exclusive]
        alone = [[o.id] for o in question.options if o.exclusive]
        subsets = st.lists(st.sampled_from(free), unique=True, min_size=1) if free else st.nothing()
        return subsets | st.sampled_from(alone) if alone else subsets
    if isinstance(kind, Number):
        if kind.integer:
            return st.integers(int(kind.min), int(kind.max))
        return st.integers(int(kind.min), int(kind.max)) | st.floats(
            kind.min, kind.max, allow_nan=False, allow_infinity=False
        ).map(lambda x: int(x) if x.is_integer() else x)
    raise AssertionError(f"no strategy for {question.type}")


def _answers(questionnaire):
    empty = st.sampled_from([None, "", []])
    fields = {
        q.id: st.one_of(_value(q), _value(q), _value(q), st.just(_MISSING), empty)
        for q in questionnaire.questions
    }
    return st.fixed_dictionaries(fields).map(
        lambda d: {k: v for k, v in d.items() if v is not _MISSING}
    )


def _cases(questionnaire, sectors):
    cases = []

    @settings(
        max_examples=EXAMPLES,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(answers=_answers(questionnaire), sector=st.sampled_from(sectors))
    def collect(answers, sector):
        cases.append(
            {
                "questionnaire": questionnaire.id,
                "version": questionnaire.version,
                "sector": sector,
                "answers": answers,
            }
        )

    collect()
    return cases


def _python(questionnaire, case, rules):
    result = score(questionnaire, case["answers"])
    recs = recommend(questionnaire.audience, case["sector"], result.dimensions, rules)
    return {
        "result": {
            "questionnaire_id": result.questionnaire_id,
            "version": result.version,
            "dimensions": result.dimensions,
            "overall": result.overall,
            "level": result.level,
        },
        "recommendations": [
            {
                "kind": r.kind,
                "target": r.target,
                "dimension": r.dimension,
                "score": r.score,
                "reason_vi": r.reason("vi", rules),
                "reason_en": r.reason("en", rules),
            }
            for r in recs
        ],
    }


def test_js_scorer_equals_python_scorer(tmp_path):
    rules = load_rules()
    questionnaires = [*load_all(), _synthetic()]
    sectors = sorted({s for rule in rules.rules for s in rule.sectors} | {"other"})
    sectors = [None, *sectors]
    cases = [case for q in questionnaires for case in _cases(q, sectors)]
    by_key = {q.key: q for q in questionnaires}
    expected = [_python(by_key[(c["questionnaire"], c["version"])], c, rules) for c in cases]

    scorer = tmp_path / "scorer.mjs"
    shutil.copyfile(SCORER, scorer)
    (tmp_path / "cases.json").write_text(
        json.dumps({"export": export(questionnaires, rules), "cases": cases}), encoding="utf-8"
    )
    subprocess.run(
        [NODE, str(RUNNER), str(scorer), str(tmp_path / "cases.json"), str(tmp_path / "out.json")],
        check=True,
        timeout=300,
    )
    got = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))

    assert len(got) == len(cases)
    for case, want, have in zip(cases, expected, got, strict=True):
        assert have == want, f"answers {json.dumps(case, ensure_ascii=False)}"
    # The generated sets cover the whole range, not only the easy middle.
    levels = {want["result"]["level"] for want in expected}
    assert {0, 5} <= levels or len(levels) >= 4


def test_export_is_json_and_versioned():
    rules = load_rules()
    data = export(load_all(), rules)
    again = export(load_all(), rules)
    assert json.loads(json.dumps(data)) == data
    assert data["version"] == again["version"]
    keys = {(q["id"], q["version"]) for q in data["questionnaires"]}
    assert keys == {q.key for q in load_all()}
    changed = export([*load_all(), _synthetic()], rules)
    assert changed["version"] != data["version"]
