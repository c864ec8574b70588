"""manage.py generate_data: reproducible, refuses a database with data, levels computed once."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from branches.models import Committee, SocialOrganization
from meetings.models import Meeting
from ratings.models import Cycle, Status, Submission

pytestmark = pytest.mark.django_db

SMALL = ["--organizations", "40", "--party-organizations", "15", "--meetings", "60", "--cycles", "2"]


def snapshot():
    return {
        "orgs": list(
            SocialOrganization.objects.order_by("name").values_list(
                "name", "uscc", "org_type", "division_code"
            )
        ),
        "submissions": list(
            Submission.objects.order_by("cycle__year", "party_organization__name").values_list(
                "cycle__year", "party_organization__name", "status", "total", "proposed_level", "final_level"
            )
        ),
        "meetings": list(
            Meeting.objects.order_by("starts_at", "party_organization__name").values_list(
                "party_organization__name", "meeting_type__code", "starts_at"
            )
        ),
    }


def generate(*args):
    out = StringIO()
    call_command("generate_data", *SMALL, *args, stdout=out)
    return out.getvalue()


def test_the_same_seed_gives_the_same_data_and_another_seed_other_data():
    runs = []
    for seed in ("4", "4", "5"):
        with transaction.atomic():
            output = generate("--seed", seed)
            runs.append(snapshot())
            transaction.set_rollback(True)
    assert runs[0] == runs[1]
    assert runs[0]["orgs"] != runs[2]["orgs"]
    assert "organizations: 40" in output and "gen5-staff" in output


def test_it_makes_what_it_says_with_levels_and_a_final_older_cycle():
    generate("--seed", "2")
    assert SocialOrganization.objects.count() == 40 and Meeting.objects.count() == 60
    older, last = Cycle.objects.order_by("year")
    assert (older.status, last.status) == (Cycle.Status.FINAL, Cycle.Status.OPEN)
    reviewed = older.submissions.filter(status=Status.REVIEWED)
    assert reviewed.count() == 15
    assert not reviewed.filter(total__isnull=True).exists()
    assert not reviewed.filter(final_level__isnull=True, vetoed=False).exists()
    assert not last.submissions.filter(
        status__in=[Status.DRAFT, Status.SUBMITTED], total__isnull=False
    ).exists()


def test_it_refuses_a_database_with_data_unless_forced(committee):
    with pytest.raises(CommandError, match="--force"):
        generate()
    assert not SocialOrganization.objects.exclude(committee=committee).exists()
    generate("--force")
    assert Committee.objects.count() == 2


def test_bad_numbers_are_refused_with_what_is_wrong():
    with pytest.raises(CommandError, match="--party-organizations cannot be more than --organizations"):
        call_command("generate_data", "--organizations", "3", "--party-organizations", "5")
