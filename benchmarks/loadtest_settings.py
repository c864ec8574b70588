"""Settings of the load test's server: the project's own, plus one bare view as the baseline.

`/healthz` is no longer bare (it also counts the outbox and asks the broker), so the load test
measures its pages against `/bench/bare/` (benchmarks/loadtest_urls.py): one `SELECT 1` through
the same middleware, no session, no template. Used only by benchmarks/load_test.py.
"""

from starfire.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.loadtest_urls"
