import pytest

from core.numbers import whole_number


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12", 12),
        ("0", 0),
        ("007", 7),
        ("123456789", 123456789),
        ("1234567890", None),
        ("²", None),
        ("٣", None),
        ("-1", None),
        ("1.5", None),
        (" 1", None),
        ("", None),
        (None, None),
        (5, None),
    ],
)
def test_only_ascii_digits_within_the_bound_are_a_whole_number(value, expected):
    assert whole_number(value) == expected


def test_the_bound_is_the_callers():
    assert whole_number("123456", digits=6) == 123456
    assert whole_number("1234567", digits=6) is None
