"""core.clientip: the visitor's address behind the configured number of trusted proxies."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import RequestFactory

from core.clientip import client_ip


def request(remote="10.0.0.5", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request("198.51.100.7", "203.0.113.1")) == "198.51.100.7"


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (1, "203.0.113.1", "203.0.113.1"),
        # The visitor wrote the leftmost entries; only what our proxy appended counts.
        (1, "1.2.3.4, 203.0.113.1", "203.0.113.1"),
        (1, "1.2.3.4,5.6.7.8,  203.0.113.1 ", "203.0.113.1"),
        # Two proxies (e.g. a load balancer, then nginx): the second entry from the right.
        (2, "203.0.113.1, 192.0.2.50", "203.0.113.1"),
        (2, "9.9.9.9, 203.0.113.1, 192.0.2.50", "203.0.113.1"),
        (1, "2001:db8::1", "2001:db8::1"),
        (1, "2001:DB8:0:0::1", "2001:db8::1"),  # one address, one spelling
    ],
)
def test_behind_proxies_the_nth_entry_from_the_right(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    assert client_ip(request("10.0.0.5", forwarded)) == expected


@pytest.mark.parametrize(
    ("proxies", "forwarded"),
    [
        (1, None),  # no header: the request did not come through the proxy
        (1, ""),
        (1, "not-an-address"),
        (1, "203.0.113.1, garbage"),
        (1, "203.0.113.1, "),
        (1, "203.0.113.1:8080"),
        (1, "<script>"),
        (2, "203.0.113.1"),  # fewer entries than proxies
        (2, "garbage, 192.0.2.50"),
        (3, ",,"),
    ],
)
def test_a_missing_or_malformed_header_falls_back_to_the_peer(settings, proxies, forwarded):
    settings.TRUSTED_PROXY_COUNT = proxies
    assert client_ip(request("10.0.0.5", forwarded)) == "10.0.0.5"


@pytest.mark.parametrize(
    ("name", "value"),
    [("TRUSTED_PROXY_COUNT", "-1"), ("LOGIN_FAILURE_LIMIT", "0"), ("LOGIN_LOCKOUT_MINUTES", "0")],
)
def test_a_setting_out_of_range_stops_the_start_with_its_name(name, value):
    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "TMPDIR") if k in os.environ}
    env.update({name: value, "DATABASE_URL": "sqlite:///:memory:", "CELERY_BROKER_URL": ""})
    done = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr and name in done.stderr
