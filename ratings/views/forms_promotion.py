"""Forms of the 推进会 page."""

from django import forms
from django.utils.translation import gettext_lazy as _

from branches.models import PartyOrganization
from core.dates import validate_date_in_range


class PromotionMeetingForm(forms.Form):
    heading = forms.CharField(label=_("标题"), max_length=200)
    held_on = forms.DateField(
        label=_("会议日期"),
        required=False,
        validators=[validate_date_in_range],
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    place = forms.CharField(label=_("会议地点"), max_length=200, required=False)


class PromotionSpeakerForm(forms.Form):
    party_organization = forms.ModelChoiceField(label=_("党组织"), queryset=PartyOrganization.objects.none())
    speaker = forms.CharField(label=_("发言人"), max_length=50)
    topic = forms.CharField(label=_("发言题目"), max_length=200)

    def __init__(self, *args, committee_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party_organization"].queryset = PartyOrganization.objects.filter(
            committee_id=committee_id, is_active=True
        ).order_by("name")


class SpeakerMoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", _("上移")), ("down", _("下移"))])
