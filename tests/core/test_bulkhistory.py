"""bulk_create_with_copied_history: the creation record of every row, copied by the database from
the row as stored — the same record django-simple-history writes, field for field."""

import pytest
from simple_history.utils import bulk_create_with_history

from branches.models import SocialOrganization
from branches.uscc import make_uscc
from core.bulkhistory import ID_BATCH, bulk_create_with_copied_history

pytestmark = pytest.mark.django_db

TRACKED = [f.attname for f in SocialOrganization.history.model.tracked_fields]


def organizations(committee, prefix, n):
    orgs = []
    for i in range(n):
        org = SocialOrganization(
            committee=committee,
            name=f"{prefix}社会组织{i:04d}",
            uscc=make_uscc(f"51510100MJ{prefix}{i:06d}"),
            address=f"成都市某路{i}号",
            has_duty_list=bool(i % 2),
        )
        org.apply_uscc_defaults()
        orgs.append(org)
    return orgs


def record(history_row):
    return {name: getattr(history_row, name) for name in TRACKED}


def test_every_row_gets_the_creation_record_simple_history_would_write(committee, staff_user):
    n = ID_BATCH + 7  # more than one INSERT … SELECT
    created = bulk_create_with_copied_history(
        organizations(committee, "7", n), SocialOrganization, user=staff_user
    )
    reference = bulk_create_with_history(
        organizations(committee, "8", 3), SocialOrganization, default_user=staff_user
    )

    assert len(created) == n and all(o.pk for o in created)
    copied = SocialOrganization.history.filter(id__in=[o.pk for o in created])
    assert copied.count() == n
    for row in copied:
        org = SocialOrganization.objects.get(pk=row.id)
        assert record(row) == {name: getattr(org, name) for name in TRACKED}
        assert (row.history_type, row.history_user_id, row.history_change_reason) == (
            "+",
            staff_user.pk,
            None,
        )
        assert row.history_date is not None
    # the same shape as django-simple-history's own record of a bulk creation
    theirs = SocialOrganization.history.get(id=reference[0].pk)
    ours = copied.first()
    assert (theirs.history_type, theirs.history_user_id, theirs.history_change_reason) == (
        ours.history_type,
        ours.history_user_id,
        ours.history_change_reason,
    )


def test_without_a_user_the_record_names_nobody(committee):
    [org] = bulk_create_with_copied_history(organizations(committee, "6", 1), SocialOrganization)
    assert SocialOrganization.history.get(id=org.pk).history_user_id is None


def test_nothing_is_kept_when_the_transaction_fails(committee, staff_user):
    from django.db import IntegrityError, transaction

    orgs = organizations(committee, "5", 2)
    orgs[1].uscc = orgs[0].uscc  # the second row breaks the unique code: neither row nor record stays
    before = SocialOrganization.history.count()
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk_create_with_copied_history(orgs, SocialOrganization, user=staff_user)
    assert SocialOrganization.history.count() == before
    assert not SocialOrganization.objects.filter(name__startswith="5社会组织").exists()


def test_objects_with_their_own_history_user_are_left_to_simple_history(
    committee, staff_user, other_staff_user
):
    orgs = organizations(committee, "3", 2)
    orgs[0]._history_user = other_staff_user  # what the copy cannot carry: simple-history writes these rows
    created = bulk_create_with_copied_history(orgs, SocialOrganization, user=staff_user)
    users = dict(
        SocialOrganization.history.filter(id__in=[o.pk for o in created]).values_list("id", "history_user")
    )
    assert users == {created[0].pk: other_staff_user.pk, created[1].pk: staff_user.pk}


def test_with_history_switched_off_no_record_is_written(committee, staff_user, settings):
    settings.SIMPLE_HISTORY_ENABLED = False
    before = SocialOrganization.history.count()
    created = bulk_create_with_copied_history(
        organizations(committee, "2", 2), SocialOrganization, user=staff_user
    )
    assert all(o.pk for o in created) and SocialOrganization.history.count() == before
