"""统一社会信用代码 (GB 32100-2015): the validator against the rule of the standard — 18 characters
from a 31-character alphabet (no I, O, S, V, Z): registration authority, organisation type, six-digit
division code, nine-character organisation code and a check character computed modulo 31."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from branches import uscc

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
EXAMPLES = ["91350100M000100Y43", "91110000600037341L", "53640000MJX173680A", "53640000MJX173672F"]


def reference_is_valid(code: str) -> bool:
    """The rule written out again, independently of branches.uscc: weights 3^(i-1) mod 31."""
    if len(code) != 18 or any(c not in ALPHABET for c in code):
        return False
    total = sum(ALPHABET.index(c) * pow(3, i, 31) for i, c in enumerate(code[:17]))
    return ALPHABET[(31 - total % 31) % 31] == code[17]


def error_of(code: str) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        uscc.validate_uscc(code)
    return info.value


def single_substitutions(code: str):
    for pos in range(len(code)):
        for ch in ALPHABET:
            if ch != code[pos]:
                yield pos, ch, code[:pos] + ch + code[pos + 1 :]


def test_weights_are_those_of_the_standard():
    assert uscc.WEIGHTS == [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    assert uscc.ALPHABET == ALPHABET
    assert not set("IOSVZ") & set(uscc.ALPHABET)


@pytest.mark.parametrize("code", EXAMPLES)
def test_it_accepts_the_known_valid_examples(code):
    uscc.validate_uscc(code)
    assert uscc.is_valid(code)
    assert reference_is_valid(code)


@pytest.mark.parametrize("code", EXAMPLES)
def test_every_single_character_substitution_is_judged_by_the_check_sum(code):
    """All 18 × 30 substitutions over the 31-symbol alphabet. Those that keep the sum (computed,
    not assumed away) are accepted; every other one is rejected with the check-character rule."""
    kept, broken = [], []
    for pos, ch, mutated in single_substitutions(code):
        if reference_is_valid(mutated):
            kept.append(mutated)
            uscc.validate_uscc(mutated)
        else:
            broken.append(mutated)
            err = error_of(mutated)
            assert err.code == "uscc_check", (pos, ch, mutated)
            expected = uscc.check_character(mutated[:17])
            assert err.messages == [
                f"统一社会信用代码校验码错误：按前17位计算，第18位应为“{expected}”，实际为“{mutated[17]}”。"
            ]
    assert len(kept) + len(broken) == 18 * 30
    # 31 is prime and no weight is 0 mod 31, so a single substitution always moves the sum:
    # the computation above confirms it for these codes rather than taking it on trust.
    assert kept == []


@pytest.mark.parametrize("code", EXAMPLES)
def test_changing_the_check_character_names_the_expected_one(code):
    wrong = code[:17] + ("0" if code[17] != "0" else "1")
    err = error_of(wrong)
    assert err.code == "uscc_check"
    assert f"应为“{code[17]}”" in err.messages[0]


@pytest.mark.parametrize(
    "code, length",
    [
        ("91350100M000100Y4", 17),
        ("91350100M000100Y43A", 19),
        ("", 0),
        ("9", 1),
        ("91350100M000100Y43" * 2, 36),
    ],
)
def test_it_rejects_wrong_lengths_naming_the_length(code, length):
    err = error_of(code)
    assert err.code == "uscc_length"
    assert err.messages == [f"统一社会信用代码应为18位，当前为{length}位。"]


@pytest.mark.parametrize("letter", list("IOSVZ"))
@pytest.mark.parametrize("position", [1, 2, 5, 9, 17, 18])
def test_it_rejects_illegal_letters_naming_the_position(letter, position):
    code = EXAMPLES[0]
    bad = code[: position - 1] + letter + code[position:]
    err = error_of(bad)
    assert err.code == "uscc_character"
    assert f"第{position}位“{letter}”不是合法字符" in err.messages[0]


@pytest.mark.parametrize("ch", ["m", "y", "a", "-", " ", "Ｍ", "０", "中", "?"])
def test_it_rejects_lower_case_and_other_characters(ch):
    code = EXAMPLES[2]
    bad = code[:9] + ch + code[10:]
    err = error_of(bad)
    assert err.code == "uscc_character"
    assert f"第10位“{ch}”" in err.messages[0]


def test_the_first_illegal_character_is_the_one_named():
    err = error_of("9I350100M000100O43")
    assert "第2位“I”" in err.messages[0]


@pytest.mark.parametrize(
    "prefix17",
    [
        "5ABCDEFGMJX173680",  # letters in positions 2–8
        "Y1ABCDEF123456789",  # a letter in position 1 too
        "53640000MJX173680",
        "YYYYYYYYYYYYYYYYY",
        "00000000000000000",
    ],
)
def test_positions_one_to_eight_may_be_letters(prefix17):
    code = uscc.make_uscc(prefix17)
    uscc.validate_uscc(code)
    assert reference_is_valid(code)


def test_make_uscc_reproduces_the_examples():
    for code in EXAMPLES:
        assert uscc.make_uscc(code[:17]) == code


@settings(deadline=None)  # pure computation; a busy CI machine must not make it flaky
@given(st.text(alphabet=ALPHABET, min_size=17, max_size=17))
def test_make_uscc_always_gives_a_valid_code(prefix17):
    code = uscc.make_uscc(prefix17)
    assert len(code) == 18
    assert code.startswith(prefix17)
    uscc.validate_uscc(code)
    assert reference_is_valid(code)


@settings(deadline=None)
@given(st.text(alphabet=ALPHABET, min_size=18, max_size=18))
def test_the_validator_agrees_with_the_rule_for_any_18_characters(code):
    assert uscc.is_valid(code) == reference_is_valid(code)


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("  91350100M000100Y43  ", "91350100M000100Y43"),
        ("91350100m000100y43", "91350100M000100Y43"),
        ("９１３５０１００Ｍ０００１００Ｙ４３", "91350100M000100Y43"),
        ("９１３５０１００ｍ０００１００ｙ４３", "91350100M000100Y43"),
        ("\u30009135 0100\u3000M000 100Y43\u3000", "91350100M000100Y43"),
        ("\t53640000mjx173680a\n", "53640000MJX173680A"),
        ("", ""),
        (None, ""),
    ],
)
def test_normalize_handles_blanks_full_width_and_lower_case(typed, expected):
    assert uscc.normalize(typed) == expected
    if expected:
        uscc.validate_uscc(uscc.normalize(typed))


@pytest.mark.parametrize(
    "code, org_type",
    [
        ("51510107MJ0000001", "association"),
        ("52510107MJ0000001", "private_non_enterprise"),
        ("53510107MJ0000001", "foundation"),
        ("59510107MJ0000001", "other"),
        ("91350100M000100Y4", None),
        ("5A510107MJ0000001", None),
        ("1", None),
    ],
)
def test_org_type_from_uscc(code, org_type):
    assert uscc.org_type_from_uscc(code) == org_type


def test_division_from_uscc():
    assert uscc.division_from_uscc("53640000MJX173680A") == "640000"
    assert uscc.division_from_uscc("5351") == ""
