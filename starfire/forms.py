from django import forms
from django.utils.translation import gettext_lazy as _

from branches.models import Committee


class CommitteeChoiceForm(forms.Form):
    """The committee switcher: one of the committees that exist (anything else is a form error)."""

    committee = forms.ModelChoiceField(
        label=_("综合党委"),
        queryset=Committee.objects.order_by("name"),
        empty_label=None,
        error_messages={
            "required": _("请选择综合党委。"),
            "invalid_choice": _("没有这个综合党委，请重新选择。"),
        },
    )
