"""Password strength: refuse what an attacker tries first, and say why in the person's language.

zxcvbn (Dropbox's estimator, a maintained Python port) knows the common-password lists,
dictionary words, keyboard walks, sequences, repeats and dates; the portal adds the person's own
name, e-mail and phone to what it looks for. A password must reach score 3 ("safely unguessable:
moderate protection from an offline attack") to be accepted.
"""

import unicodedata
from collections.abc import Iterable

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from zxcvbn import zxcvbn

MIN_SCORE = 3
#: zxcvbn's work grows with length; past this the length alone makes a password strong.
CHECKED_LENGTH = 72


def password_problem(password: str, personal: Iterable[str | None] = ()) -> LazyString | None:
    """Return why ``password`` is too weak, or None when it is strong enough."""
    words = [w for item in personal if item for w in _words(item)]
    result = zxcvbn(password[:CHECKED_LENGTH], user_inputs=words)
    if result["score"] >= MIN_SCORE:
        return None
    patterns = {(m["pattern"], m.get("dictionary_name")) for m in result["sequence"]}
    if ("dictionary", "user_inputs") in patterns:
        return _l("Do not use your name, e-mail or phone number in your password.")
    if ("dictionary", "passwords") in patterns:
        return _l(
            "This password is one of the most used passwords, the first an attacker tries. "
            "Choose another."
        )
    if {p for p, _ in patterns} & {"sequence", "repeat", "spatial"}:
        return _l(
            "Runs like 1234567890, abcdef, repeated characters or keyboard rows are easy to "
            "guess. Choose another password."
        )
    if any(p == "date" for p, _ in patterns):
        return _l("Dates and years are easy to guess. Choose another password.")
    return _l(
        "This password is too easy to guess. Use a few unrelated words, or mix words, "
        "numbers and signs."
    )


def _words(text: str) -> list[str]:
    """Return the parts of a name, e-mail or phone that a password should not be built on."""
    plain = unicodedata.normalize("NFKD", text.lower().replace("đ", "d"))
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    words = []
    for form in dict.fromkeys((text.lower(), plain)):
        parts = form.replace("@", " ").replace(".", " ").split()
        words += [form, "".join(parts), *parts]
    return words
