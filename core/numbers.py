"""Numbers typed into a query string or a form by anyone."""


def whole_number(value, *, digits: int = 9) -> int | None:
    """`value` as a whole number when it is 1 to `digits` ASCII digits, else None.

    `str.isdigit()` alone also accepts "²" or "٣", which `int()` or the database then refuse;
    the bound keeps an id or a page number within what the database stores."""
    if isinstance(value, str) and 0 < len(value) <= digits and value.isascii() and value.isdigit():
        return int(value)
    return None
