"""Schemathesis against a live server, from the schema Starfire generates: every operation with a
bounded number of generated requests, anonymously and with a secretary's token. No answer may be
a server error or fall outside the schema (status code, content type, body).

Marked `postgres`: it runs once, in CI's PostgreSQL stage, against the real database, in about a
minute: the fuzzing phase (valid and invalid data) with `ST_MAX_EXAMPLES` (default 10) examples
per operation. `ST_PHASES=coverage,fuzzing` adds schemathesis' systematic coverage phase (every
boundary and wrong type of every parameter; a few minutes)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from api.throttling import AnonymousThrottle, PerTokenThrottle
from api.tokens import token_create
from ratings.outcomes.publication import cycle_publish
from tests import factories
from tests.ratings.conftest import RatingFlow, make_results_cycle

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
ST = Path(sys.executable).with_name("st")


@pytest.fixture
def world(committee, staff_user, secretary_user, rating_inspectors, monkeypatch):
    """A published cycle with results, an open cycle with the secretary's submission in draft and
    self-scored, and the register around them; no throttling in the way."""
    monkeypatch.setattr(PerTokenThrottle, "rate", "100000/hour", raising=False)
    monkeypatch.setattr(AnonymousThrottle, "rate", "100000/hour", raising=False)
    results = make_results_cycle(committee, staff_user)
    cycle_publish(cycle=results.cycle, by=staff_user)
    rubric = results.cycle.rubric
    cycle = factories.CycleFactory(committee=committee, rubric=rubric, year=results.cycle.year + 1)
    from ratings.models import Submission
    from ratings.workflow import cycle_setup

    cycle_setup.cycle_open(cycle=cycle, by=staff_user)
    sub = Submission.objects.get(cycle=cycle, party_organization=secretary_user.party_organization)
    RatingFlow(staff_user, rating_inspectors).fill(sub)
    return secretary_user


def _run(base_url: str, workdir: Path, *headers: str) -> subprocess.CompletedProcess:
    examples = os.environ.get("ST_MAX_EXAMPLES", "10")
    phases = os.environ.get("ST_PHASES", "fuzzing")
    command = [
        str(ST), "run", f"{base_url}/api/schema/?format=json", "--url", base_url,
        "--checks", CHECKS, "--max-examples", examples, "--phases", phases,
        "--seed", "1", "--workers", "1", "--request-timeout", "30", "--no-color",
        "--suppress-health-check", "all", "--warnings", "off",
    ]  # fmt: skip
    for header in headers:
        command += ["-H", header]
    # In a scratch folder: schemathesis keeps a cache of its findings where it runs.
    return subprocess.run(command, capture_output=True, text=True, timeout=600, check=False, cwd=workdir)


def test_no_server_error_and_no_answer_outside_the_schema(live_server, world, tmp_path):
    _token, key = token_create(user=world, name="schemathesis")
    for headers in ((), (f"Authorization: Bearer {key}",)):
        result = _run(live_server.url, tmp_path, *headers)
        output = result.stdout + result.stderr
        assert result.returncode == 0, output[-20000:]
        assert "No issues found" in output or "passed" in output, output[-5000:]
