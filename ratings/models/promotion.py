"""推进会: the promotion meeting that closes a cycle — its heading, date and place, and the exchange
speakers staff choose. The commendation list, the plaque checklist and the attendance list are
generated from the cycle's awards and branches (ratings.reports.promotion)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from branches.models import PartyOrganization
from core.dates import validate_date_in_range

from .workflow import Cycle


class PromotionMeeting(models.Model):
    """The 推进会 of a cycle: what its printed pack says at the top."""

    cycle = models.OneToOneField(
        Cycle, on_delete=models.PROTECT, related_name="promotion_meeting", verbose_name=_("评星周期")
    )
    heading = models.CharField(_("标题"), max_length=200)
    held_on = models.DateField(_("会议日期"), null=True, blank=True, validators=[validate_date_in_range])
    place = models.CharField(_("会议地点"), max_length=200, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("推进会")
        verbose_name_plural = _("推进会")

    def __str__(self):
        return self.heading

    def access_target(self):
        from branches.access import Target

        return Target(committee_id=self.cycle.committee_id)


class PromotionSpeaker(models.Model):
    """A 交流发言 at the promotion meeting: a branch, who speaks, on what, in which order."""

    meeting = models.ForeignKey(
        PromotionMeeting, on_delete=models.CASCADE, related_name="speakers", verbose_name=_("推进会")
    )
    party_organization = models.ForeignKey(
        PartyOrganization, on_delete=models.PROTECT, related_name="+", verbose_name=_("党组织")
    )
    speaker = models.CharField(_("发言人"), max_length=50)
    topic = models.CharField(_("发言题目"), max_length=200)
    position = models.PositiveSmallIntegerField(_("顺序"), default=1)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("交流发言")
        verbose_name_plural = _("交流发言")
        ordering = ["meeting", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "party_organization"], name="promotion_speaker_once_per_branch"
            )
        ]

    def __str__(self):
        return f"{self.party_organization}：{self.topic}"
