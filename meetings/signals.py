"""A new committee gets the default meeting types and its meeting settings straight away; changed
meetings, meeting types and party organisations mark the stored compliance as changed."""

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver
from django.utils import timezone

from branches.models import Committee, PartyOrganization

from .compliance_rules import local_tz
from .models import Meeting, MeetingType
from .snapshots import mark_changed_on_commit


@receiver(post_save, sender=Committee, dispatch_uid="meetings.seed_committee")
def seed_new_committee(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        from .services import meeting_types_seed

        meeting_types_seed(committee=instance)


def _local_year(moment) -> int | None:
    return timezone.localtime(moment, local_tz()).year if moment else None


def _committee_of(meeting: Meeting) -> int | None:
    if not meeting.party_organization_id:
        return None
    return (
        PartyOrganization.objects.filter(pk=meeting.party_organization_id)
        .values_list("committee_id", flat=True)
        .first()
    )


@receiver(pre_save, sender=Meeting, dispatch_uid="meetings.snapshot_meeting_before")
def remember_year_before_change(sender, instance, raw=False, **kwargs):
    """The year a changed meeting was in before: moving it to another year changes both."""
    if instance.pk and not raw:
        old = Meeting.objects.filter(pk=instance.pk).values_list("starts_at", flat=True).first()
        instance._year_before_change = _local_year(old)


@receiver(post_save, sender=Meeting, dispatch_uid="meetings.snapshot_meeting_saved")
@receiver(post_delete, sender=Meeting, dispatch_uid="meetings.snapshot_meeting_deleted")
def meeting_changed(sender, instance, raw=False, **kwargs):
    if raw:
        return
    years = {_local_year(instance.starts_at), getattr(instance, "_year_before_change", None)} - {None}
    mark_changed_on_commit(_committee_of(instance), years)


@receiver(post_save, sender=MeetingType, dispatch_uid="meetings.snapshot_type_saved")
@receiver(post_delete, sender=MeetingType, dispatch_uid="meetings.snapshot_type_deleted")
def meeting_type_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        mark_changed_on_commit(instance.committee_id)


@receiver(post_save, sender=PartyOrganization, dispatch_uid="meetings.snapshot_po_saved")
@receiver(post_delete, sender=PartyOrganization, dispatch_uid="meetings.snapshot_po_deleted")
def party_organization_changed(sender, instance, raw=False, **kwargs):
    """Name, founding date, kind or being active: all shown or used by the compliance pages."""
    if not raw:
        mark_changed_on_commit(instance.committee_id)
