"""The visitor's address, as the configured number of trusted reverse proxies reports it.

Behind a reverse proxy every request comes from the proxy's own address (`REMOTE_ADDR`); the
visitor's is in `X-Forwarded-For`, to which each proxy appends the address it received the
request from. Only the entries appended by our own proxies can be trusted — anything to their
left was sent by the visitor and may be invented. With `TRUSTED_PROXY_COUNT = N` the visitor's
address is therefore the Nth entry from the right; with 0 (no proxy, the default) it is
`REMOTE_ADDR`.

A missing, short or malformed header (a request that did not come through the proxies) falls
back to `REMOTE_ADDR`, never to a value the visitor chose. Used by every per-address limit: the
objection form and lookup, and the login throttling (django-axes, `AXES_CLIENT_IP_CALLABLE`).
"""

import ipaddress

from django.conf import settings


def _valid(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request) -> str:
    """The visitor's IP address as text ("" only when the server gave none)."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies <= 0:
        return remote
    entries = (request.META.get("HTTP_X_FORWARDED_FOR", "") or "").split(",")
    if len(entries) < proxies:
        return remote
    return _valid(entries[-proxies]) or remote
