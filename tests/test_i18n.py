"""Chinese first; English available through the language switch."""

from django.conf import settings
from django.urls import reverse


def test_pages_are_chinese_by_default(staff_client):
    body = staff_client.get(reverse("home")).content.decode()
    assert ">社会组织<" in body and 'lang="zh-hans"' in body


def test_the_language_switch_turns_the_navigation_english(staff_client):
    r = staff_client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert r.status_code == 302 and r.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    body = staff_client.get(reverse("home")).content.decode()
    assert ">Social organisations<" in body and 'lang="en"' in body
