"""USCC (GB 32100-2015) validation.

Character values: 0-9 -> 0..9, A=10 B=11 C=12 D=13 E=14 F=15 G=16 H=17 J=18 K=19 L=20 M=21 N=22 P=23 Q=24 R=25
T=26 U=27 W=28 X=29 Y=30. Weights 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28; check = 31 - (sum mod 31),
31 -> "0".

Hand computations of the literals used below:

* 91350100M000100Y43 (the example printed in GB 32100-2015):
  9*1 + 1*3 + 3*9 + 5*27 + 0 + 1*26 + 0 + 0 + M21*20 + 0 + 0 + 0 + 1*8 + 0 + 0 + Y30*30 + 4*28
  = 9 + 3 + 27 + 135 + 26 + 420 + 8 + 900 + 112 = 1640; 1640 mod 31 = 28 (31*52 = 1612); 31 - 28 = 3 -> "3".
* 914403001922038216 (华为技术有限公司):
  9 + 1*3 + 4*9 + 4*27 + 0 + 3*26 + 0 + 0 + 1*20 + 9*29 + 2*25 + 2*13 + 0 + 3*24 + 8*10 + 2*30 + 1*28
  = 9 + 3 + 36 + 108 + 78 + 20 + 261 + 50 + 26 + 72 + 80 + 60 + 28 = 831; 831 mod 31 = 25; 31 - 25 = 6 -> "6".
* 91110108551385082Q (小米科技有限责任公司):
  9 + 3 + 9 + 27 + 0 + 26 + 0 + 8*17 + 5*20 + 5*29 + 1*25 + 3*13 + 8*8 + 5*24 + 0 + 8*30 + 2*28
  = 9 + 3 + 9 + 27 + 26 + 136 + 100 + 145 + 25 + 39 + 64 + 120 + 240 + 56 = 999; 999 mod 31 = 7; 31 - 7 = 24
  -> "Q".
* 91430200MA4L16XY1B (quoted in the brief): the same computation gives sum 2621, 2621 mod 31 = 17, check
  31 - 17 = 14 -> "E", so the "B" version is invalid.
* 9111000010000000 + "0" + check: 9 + 3 + 9 + 27 + 1*20 = 68; 68 mod 31 = 6; 31 - 6 = 25 -> "R".
* "00000000000000000" -> sum 0 -> 31 - 0 = 31 -> "0" (the wrap-around case).
"""

import pytest

from rules.uscc import REASONS, is_valid_uscc, make_uscc, uscc_check_character, validate_uscc


@pytest.mark.parametrize("code", ["91350100M000100Y43", "914403001922038216", "91110108551385082Q"])
def test_valid_codes(code: str) -> None:
    assert validate_uscc(code) is None
    assert is_valid_uscc(code)


@pytest.mark.parametrize(
    ("first17", "check"),
    [
        ("91350100M000100Y4", "3"),
        ("91440300192203821", "6"),
        ("91110108551385082", "Q"),
        ("91430200MA4L16XY1", "E"),
        ("91110000100000000", "R"),
        ("00000000000000000", "0"),
    ],
)
def test_check_character(first17: str, check: str) -> None:
    assert uscc_check_character(first17) == check


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("91430200MA4L16XY1B", "check_character"),
        ("91350100M000100Y44", "check_character"),  # last character off by one
        ("91350100M000100Y40", "check_character"),
        ("91530100M000100Y43", "check_character"),  # adjacent transposition of 3 and 5
        ("", "empty"),
        ("91350100M000100Y4", "length"),
        ("91350100M000100Y433", "length"),
        ("91350100m000100Y43", "lowercase"),
        ("91110108551385082q", "lowercase"),
        (" 91350100M000100Y43", "whitespace"),
        ("91350100M000100Y43 ", "whitespace"),
        ("913501 0M000100Y43", "whitespace"),
        ("91350100M000100Y4\n", "whitespace"),
        ("91350100I000100Y43", "charset"),
        ("91350100O000100Y43", "charset"),
        ("91350100Z000100Y43", "charset"),
        ("91350100S000100Y43", "charset"),
        ("91350100V000100Y43", "charset"),
        ("91350100M000100Y4-", "charset"),
        ("91350100Ｍ000100Y43", "charset"),  # full-width M, a common paste error
    ],
)
def test_invalid_codes(code: str, reason: str) -> None:
    assert validate_uscc(code) == reason
    assert not is_valid_uscc(code)
    assert reason in REASONS


def test_non_string_is_rejected() -> None:
    assert validate_uscc(None) == "type"  # type: ignore[arg-type]
    assert validate_uscc(914403001922038216) == "type"  # type: ignore[arg-type]


@pytest.mark.parametrize("forbidden", ["I", "O", "Z", "S", "V"])
def test_check_character_refuses_forbidden_letters(forbidden: str) -> None:
    with pytest.raises(ValueError):
        uscc_check_character("9143020" + forbidden + "MA4L16XY1")


def test_check_character_needs_17() -> None:
    with pytest.raises(ValueError):
        uscc_check_character("9143020")


def test_make_uscc() -> None:
    assert make_uscc("9", "1", "350100", "M000100Y4") == "91350100M000100Y43"
    assert make_uscc("9", "1", "110000", "100000000") == "91110000100000000R"
    assert make_uscc("0", "0", "000000", "000000000") == "000000000000000000"


@pytest.mark.parametrize(
    ("parts"),
    [
        ("", "1", "350100", "M000100Y4"),
        ("9", "I", "350100", "M000100Y4"),
        ("9", "1", "35010", "M000100Y4"),
        ("9", "1", "3501A0", "M000100Y4"),
        ("9", "1", "350100", "M000100Y"),
        ("9", "1", "350100", "m000100Y4"),
    ],
)
def test_make_uscc_rejects_bad_parts(parts: tuple[str, str, str, str]) -> None:
    with pytest.raises(ValueError):
        make_uscc(*parts)
