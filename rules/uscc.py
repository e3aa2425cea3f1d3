"""统一社会信用代码 (Unified Social Credit Code, USCC) per GB 32100-2015.

18 characters: registration authority (1), organisation type (1), registration region (6, GB/T 2260),
organisation body code (9, GB 11714), check character (1). Only the check character is verified here; the
structure of the other parts varies between registration authorities and historical data, and the standard's
check character already catches single-character typos and adjacent transpositions.
"""

from __future__ import annotations

__all__ = [
    "ALPHABET",
    "REASONS",
    "WEIGHTS",
    "is_valid_uscc",
    "make_uscc",
    "uscc_check_character",
    "validate_uscc",
]

# Digits and upper-case letters without I, O, Z, S, V (too easily read as 1, 0, 2, 5, U); value = index.
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
# 3**i mod 31 for positions 1..17.
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
LENGTH = 18

# Machine reason code -> human message, for the API's 422 details.
REASONS: dict[str, str] = {
    "type": "the code must be a string",
    "empty": "the code is empty",
    "whitespace": "the code contains spaces or other whitespace",
    "length": "the code must be exactly 18 characters",
    "lowercase": "letters must be upper-case",
    "charset": "only digits and upper-case letters other than I, O, Z, S, V are allowed",
    "check_character": "the check character (18th) does not match the first 17 characters",
}


def uscc_check_character(first17: str) -> str:
    """The 18th character for the given first 17; raises ValueError if they are not 17 valid characters."""
    if len(first17) != LENGTH - 1:
        raise ValueError("expected 17 characters")
    try:
        total = sum(_VALUE[c] * w for c, w in zip(first17, WEIGHTS, strict=True))
    except KeyError as exc:
        raise ValueError(f"invalid character {exc.args[0]!r}") from None
    return ALPHABET[(31 - total % 31) % 31]  # 31 wraps to "0"


def validate_uscc(code: str) -> str | None:
    """None if ``code`` is a valid USCC, else a reason code (a key of :data:`REASONS`).

    Input is never normalised: a lower-case or padded code is reported, not silently repaired, so the stored
    value is always exactly what was checked.
    """
    if not isinstance(code, str):
        return "type"
    if code == "":
        return "empty"
    if any(c.isspace() for c in code):
        return "whitespace"
    if len(code) != LENGTH:
        return "length"
    if any(c.islower() for c in code):
        return "lowercase"
    if any(c not in _VALUE for c in code):
        return "charset"
    if uscc_check_character(code[:17]) != code[17]:
        return "check_character"
    return None


def is_valid_uscc(code: str) -> bool:
    return validate_uscc(code) is None


def make_uscc(registration_dept: str, org_type: str, region6: str, body9: str) -> str:
    """Build a valid USCC from its parts (demo data, tests). Raises ValueError on malformed parts."""
    parts = {"registration_dept": (registration_dept, 1), "org_type": (org_type, 1), "body9": (body9, 9)}
    for name, (value, size) in parts.items():
        if len(value) != size or any(c not in _VALUE for c in value):
            raise ValueError(f"{name} must be {size} character(s) of {ALPHABET}")
    if len(region6) != 6 or not (region6.isascii() and region6.isdigit()):
        raise ValueError("region6 must be a 6-digit GB/T 2260 code")
    first17 = registration_dept + org_type + region6 + body9
    return first17 + uscc_check_character(first17)
