"""Claim code text: alphabet, generation, normalising what a person types, grouping for print."""

from __future__ import annotations

import re
import secrets

#: No 0/O, 1/I/L: nothing to misread on a slip (the field app uses the same letters).
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
#: Codes the portal issues; the field app's are 10 long. Both are accepted.
LENGTH = 8
LENGTHS = (8, 10)
_SEPARATORS = re.compile(r"[\s\-–.]+")


def new_code(length: int = LENGTH) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def normalize(text: str | None) -> str | None:
    """The code a person typed, as stored (upper case, no spaces or dashes), or None."""
    if not text:
        return None
    code = _SEPARATORS.sub("", text).upper()
    if len(code) not in LENGTHS or set(code) - set(ALPHABET):
        return None
    return code


def grouped(code: str) -> str:
    """Print a code in two halves: ABCD-EFGH, ABCDE-FGHJK."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"
