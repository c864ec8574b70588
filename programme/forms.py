"""Forms of the programme: they parse and bound what was typed; the rules are the services'."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core import limits
from core.dates import RangeDateField, RangeDateTimeField


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def date_field(label, **kwargs):
    return RangeDateField(
        label=label,
        widget=DateInput(),
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": _("请按“年-月-日”填写日期，例如 2024-06-30。")},
        **kwargs,
    )


class LevelChoiceField(forms.ModelChoiceField):
    """A party organisation with its star level in force (annotated `star_level`)."""

    def label_from_instance(self, obj):
        level = getattr(obj, "star_level", None)
        return f"{obj.name}（{level}★）" if level else f"{obj.name}（{_('未评星')}）"


class PairingForm(forms.Form):
    cycle = forms.ModelChoiceField(label=_("结对依据的评星周期"), queryset=None, empty_label=None)
    strong = LevelChoiceField(label=_("带动方（星级党组织）"), queryset=None)
    weak = LevelChoiceField(label=_("帮扶对象（未评星或低星级）"), queryset=None)
    starts_on = date_field(_("开始日期"))
    ends_on = date_field(_("结束日期"))
    goals = forms.CharField(
        label=_("结对目标"), widget=forms.Textarea(attrs={"rows": 4}), max_length=limits.REASON
    )

    def __init__(self, data=None, *, cycles, strong, weak):
        super().__init__(data)
        self.fields["cycle"].queryset = cycles
        self.fields["strong"].queryset = strong
        self.fields["weak"].queryset = weak


class PairingEditForm(forms.Form):
    starts_on = date_field(_("开始日期"))
    ends_on = date_field(_("结束日期"))
    goals = forms.CharField(
        label=_("结对目标"), widget=forms.Textarea(attrs={"rows": 4}), max_length=limits.REASON
    )
    # asked only when the new period would leave recorded joint activities outside it
    drop_activities = forms.BooleanField(
        label=_("我已知晓：这些联合活动将不再计入本结对"), required=False, widget=forms.HiddenInput
    )
    drop_for = forms.CharField(required=False, widget=forms.HiddenInput)  # the period it was asked for

    def _period(self) -> str:
        return f"{self.cleaned_data.get('starts_on')}|{self.cleaned_data.get('ends_on')}"

    def clean(self):
        data = super().clean()
        # a tick confirms dropping the activities named for one period, not for another one
        if data.get("drop_activities") and data.get("drop_for") != self._period():
            data["drop_activities"] = False
        data.pop("drop_for", None)
        return data

    def ask_to_drop_activities(self):
        """Show the confirmation box, unticked (after the service named the activities the new
        period drops), bound to this period."""
        self.fields["drop_activities"].widget = forms.CheckboxInput()
        self.data = self.data.copy()
        self.data.pop("drop_activities", None)
        self.data["drop_for"] = self._period()

    def forget_drop_confirmation(self):
        """Shown again for another reason: no earlier tick is carried into the next save."""
        self.data = self.data.copy()
        for name in ("drop_activities", "drop_for"):
            self.data.pop(name, None)


class PairingEndForm(forms.Form):
    ended_on = date_field(_("提前结束日期"))
    reason = forms.CharField(
        label=_("结束原因"), widget=forms.Textarea(attrs={"rows": 3}), max_length=limits.REASON
    )


class JointActivityForm(forms.Form):
    starts_at = RangeDateTimeField(
        label=_("活动时间"), widget=LocalDateTimeInput(), input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
    )
    place = forms.CharField(label=_("地点"), max_length=200)
    topic = forms.CharField(label=_("主题"), max_length=200)
    minutes = forms.CharField(
        label=_("活动记录"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        max_length=limits.MINUTES,
    )


class PlanActionForm(forms.Form):
    indicator_code = forms.ChoiceField(label=_("针对指标"), required=False)
    text = forms.CharField(
        label=_("措施"), widget=forms.Textarea(attrs={"rows": 3}), max_length=limits.REASON
    )
    owner = forms.CharField(label=_("责任人"), max_length=50)
    due_on = date_field(_("完成期限"))

    def __init__(self, data=None, *, findings=()):
        super().__init__(data)
        self.fields["indicator_code"].choices = [("", _("（综合）"))] + [
            (f["code"], f"{f['code']} {f['title']}") for f in findings
        ]


class ActionDoneForm(forms.Form):
    note = forms.CharField(
        label=_("完成情况"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=limits.REASON,
        required=False,
    )


class CycleChoiceForm(forms.Form):
    cycle = forms.ModelChoiceField(label=_("评星周期"), queryset=None, empty_label=None)

    def __init__(self, data=None, *, cycles):
        super().__init__(data)
        self.fields["cycle"].queryset = cycles


class PlanFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("状态"), required=False)

    def __init__(self, data=None, *, choices):
        super().__init__(data)
        self.fields["state"].choices = [("", _("全部"))] + list(choices)


class CaseForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=200)
    party_organization = forms.ModelChoiceField(label=_("党组织"), queryset=None)
    indicators = forms.ModelMultipleChoiceField(
        label=_("体现的指标"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    text = forms.CharField(
        label=_("正文"), widget=forms.Textarea(attrs={"rows": 12}), max_length=limits.MINUTES
    )

    def __init__(self, data=None, *, party_organizations, indicators, initial=None):
        super().__init__(data, initial=initial)
        self.fields["party_organization"].queryset = party_organizations
        self.fields["indicators"].queryset = indicators
        self.fields["indicators"].label_from_instance = lambda i: f"{i.code} {i.title}"


class CasePhotoForm(forms.Form):
    photo = forms.FileField(
        label=_("照片"), widget=forms.ClearableFileInput(attrs={"accept": ".jpg,.jpeg,.png"})
    )


class CaseTransitionForm(forms.Form):
    edge = forms.ChoiceField(choices=[(e, e) for e in ("submit", "publish", "send_back", "withdraw")])


class CaseLibraryFilterForm(forms.Form):
    indicator = forms.ChoiceField(label=_("指标"), required=False)
    region = forms.ChoiceField(label=_("地区"), required=False)

    def __init__(self, data=None, *, indicators, regions):
        super().__init__(data)
        self.fields["indicator"].choices = [("", _("全部"))] + indicators
        self.fields["region"].choices = [("", _("全部"))] + regions
