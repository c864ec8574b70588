"""Read the one-time form token out of a rendered page, as a browser sends it back."""

import re


def token_in(response) -> str:
    match = re.search(r'name="form_token" value="([^"]+)"', response.content.decode())
    assert match, "the form carries no one-time token"
    return match.group(1)
