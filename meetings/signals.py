"""A new committee gets the default meeting types and its meeting settings straight away."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from branches.models import Committee


@receiver(post_save, sender=Committee, dispatch_uid="meetings.seed_committee")
def seed_new_committee(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        from .services import meeting_types_seed

        meeting_types_seed(committee=instance)
