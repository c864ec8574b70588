from django import forms
from django.utils.translation import gettext_lazy as _

from branches.models import Committee


class ProvinceCommitteesForm(forms.Form):
    committees = forms.ModelMultipleChoiceField(
        label=_("可查看的综合党委"),
        queryset=Committee.objects.order_by("name"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("请至少选择一个综合党委；不再使用的账号请停用。")},
    )
