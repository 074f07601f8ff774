"""One way to fail: every refusal code has its message, in English and in Vietnamese.

The codes are found by subclass discovery (every ``failures.Code`` enum in portal/), and every
``SomethingError("code")`` written in portal/ must name a code of that error's enum.
"""

import ast
import importlib
import pathlib

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale

from portal.failures import Code, OperationError

ROOT = pathlib.Path(__file__).resolve().parents[2]
SKIPPED = ("portal.devtools", "portal.migrations")


def _import_portal() -> None:
    for path in sorted((ROOT / "portal").rglob("*.py")):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        if not name.startswith(SKIPPED):
            importlib.import_module(name)


def _subclasses(base: type) -> list[type]:
    found, todo = [], [base]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        found.append(cls)
    return sorted(found, key=lambda c: f"{c.__module__}.{c.__name__}")


_import_portal()
CODES = [member for enum in _subclasses(Code) for member in enum]
ERRORS = _subclasses(OperationError)


def _vietnamese() -> dict[str, str]:
    with open(ROOT / "translations" / "vi" / "LC_MESSAGES" / "messages.po", "rb") as po:
        return {m.id: m.string for m in read_po(po, locale="vi") if isinstance(m.id, str)}


@pytest.mark.parametrize("code", CODES, ids=lambda c: f"{type(c).__name__}.{c.name}")
def test_every_code_has_its_message_in_english_and_vietnamese(app, code):
    msgid = code.message._args[0]  # the lazy string's msgid
    vi_catalog = _vietnamese()
    assert vi_catalog.get(msgid), f"no Vietnamese for {msgid!r}"
    with app.test_request_context("/"):
        with force_locale("en"):
            english = str(code.message)
        with force_locale("vi"):
            vietnamese = str(code.message)
    assert english == msgid
    assert vietnamese == vi_catalog[msgid] and vietnamese != english


def test_every_error_names_its_codes():
    assert {e.__name__ for e in ERRORS} >= {
        "TrainingError",
        "BillingError",
        "OnboardingError",
        "AssessError",
        "CheckInError",
        "ClaimError",
        "FieldError",
        "FileRefused",
    }
    for error in ERRORS:
        assert issubclass(error.codes, Code) and len(error.codes) > 0, error


def test_every_code_raised_in_portal_has_a_message():
    """``XError("code")`` anywhere in portal/ names a member of XError's codes."""
    by_name = {e.__name__: e for e in ERRORS}
    wrong = []
    for path in (ROOT / "portal").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
            first = node.args[0]
            if (
                name in by_name
                and isinstance(first, ast.Constant)
                and first.value not in {m.value for m in by_name[name].codes}
            ):
                wrong.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}({first.value!r})")
    assert wrong == []


def test_an_unknown_code_is_refused_when_raised():
    from portal.training.operations import TrainingError

    with pytest.raises(ValueError):
        TrainingError("no_such_code")


def test_a_code_compares_equal_to_its_id():
    from portal.training.operations import TrainingError

    error = TrainingError("deadline_passed")
    assert error.code == "deadline_passed"
    assert f"refused: {error.code}" == "refused: deadline_passed"


def test_a_code_finds_the_entries_keyed_by_its_id():
    from portal.training.labels import CheckInCode

    assert {"not_open": 1}[CheckInCode.NOT_OPEN] == 1


def test_a_refusal_shown_to_a_person_is_noted_by_the_audit(app):
    """create_app connects the audit to operation_refused (refused attempts stay visible)."""
    from portal.audit.recording import note_refusal
    from portal.failures import operation_refused

    assert note_refusal in list(operation_refused.receivers_for(object()))
