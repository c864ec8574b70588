"""Settings of the load test's server: the project's own, plus one bare view as the baseline.

`/healthz` is no longer bare (it also counts the outbox and asks the broker), so the load test
measures its pages against `/bench/bare/` (benchmarks/loadtest_urls.py): one `SELECT 1` through
the same middleware, no session, no template. Used only by benchmarks/load_test.py.
"""

from starfire.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.loadtest_urls"

# Each request's time inside Django, for the load test's "in Django" columns: the request log
# (core.logs, one JSON line per request) goes to the file the load test names, and the client's
# X-Request-ID (which page, which client) is taken as the request id, as behind a proxy.
TRUSTED_PROXY_COUNT = 1
REQUEST_LOG = env.str("LOADTEST_REQUEST_LOG", default="")  # noqa: F405
if REQUEST_LOG:
    LOGGING["handlers"]["requests"] = {  # noqa: F405
        "class": "logging.FileHandler",
        "filename": REQUEST_LOG,
        "formatter": "structured",
    }
    LOGGING["loggers"]["starfire.request"] = {"handlers": ["requests"], "level": "INFO", "propagate": False}  # noqa: F405
