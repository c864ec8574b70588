"""Answer the objection form's CAPTCHA as a person would: open the form, read the picture.

The picture's text is read from the challenge the server stored for it (no test mode), so the
real check runs: a wrong answer is refused and each challenge can be answered once."""

import re

from captcha.models import CaptchaStore


def captcha_key(response) -> str | None:
    match = re.search(r'name="captcha_0" value="([^"]+)"', response.content.decode())
    return match.group(1) if match else None


def solved(client, url, **extra) -> dict:
    """The CAPTCHA fields, correctly answered, of the form at `url` as this client sees it now."""
    key = captcha_key(client.get(url, **extra))
    assert key, "the form shows no CAPTCHA"
    return {"captcha_0": key, "captcha_1": CaptchaStore.objects.get(hashkey=key).response}


def wrong(client, url, **extra) -> dict:
    key = captcha_key(client.get(url, **extra))
    assert key, "the form shows no CAPTCHA"
    answer = CaptchaStore.objects.get(hashkey=key).response
    return {"captcha_0": key, "captcha_1": answer[::-1] + "x"}
