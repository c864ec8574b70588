"""Forms of the rating pages. They parse input; rules are checked by the stage services (ratings.workflow, ratings.rubric)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from branches.models import PartyOrganization
from core.dates import RangeDateTimeField

from ..models import Cycle, Rubric, Status

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
EVIDENCE_ACCEPT = ".pdf,.jpg,.jpeg,.png,.docx,.xlsx"


class DateTimeLocalInput(forms.DateTimeInput):
    """The browser's date-time picker (`<input type=datetime-local>`), phone friendly."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=DATETIME_LOCAL)


def _datetime_field(label, **kwargs):
    return RangeDateTimeField(
        label=label,
        widget=DateTimeLocalInput(),
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        **kwargs,
    )


# --- Secretary -----------------------------------------------------------------------------


class SelfScoreForm(forms.Form):
    """One indicator of the self-assessment; the service checks 0 … max in steps of 0.5."""

    score = forms.DecimalField(
        label=_("自评分"), required=False, error_messages={"invalid": _("自评分请填写数字，例如 3 或 3.5。")}
    )
    comment = forms.CharField(
        label=_("自评说明"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class EvidenceUploadForm(forms.Form):
    """The file type is checked by its content in the service (core.uploads.sniff)."""

    file = forms.FileField(
        label=_("佐证材料"),
        widget=forms.ClearableFileInput(attrs={"accept": EVIDENCE_ACCEPT}),
        error_messages={"required": _("请选择要上传的文件。")},
    )


# --- Staff ---------------------------------------------------------------------------------


class CycleForm(forms.ModelForm):
    self_assessment_deadline = _datetime_field(_("自评截止"))
    inspection_deadline = _datetime_field(_("实地验收截止"))
    review_deadline = _datetime_field(_("集中评审截止"))

    class Meta:
        model = Cycle
        fields = [
            "year",
            "title",
            "rubric",
            "self_assessment_deadline",
            "inspection_deadline",
            "review_deadline",
            "notice_days",
        ]

    def __init__(self, *args, committee, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.committee = committee
        self.fields["rubric"].queryset = Rubric.objects.filter(committee=committee).order_by("-version")
        self.fields["title"].help_text = _("留空则为“某某年度星火党组织评星”。")


class ExclusionForm(forms.Form):
    party_organization = forms.ModelChoiceField(label=_("党组织"), queryset=PartyOrganization.objects.none())
    reason = forms.CharField(label=_("不参评原因"), max_length=300)

    def __init__(self, *args, queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party_organization"].queryset = queryset


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部状态")), *Status.choices]
    )
    q = forms.CharField(label=_("党组织名称"), required=False, max_length=100)
    overdue = forms.BooleanField(label=_("只看逾期未提交"), required=False)


class SubmissionReturnForm(forms.Form):
    """退回: a reason per indicator (fields `reason_<indicator id>`) and a general one."""

    general = forms.CharField(
        label=_("总体意见"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, indicators, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicators = list(indicators)
        for ind in self.indicators:
            self.fields[f"reason_{ind.pk}"] = forms.CharField(
                label=_("%(code)s 退回原因") % {"code": ind.code},
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2, "form": "return-form"}),
            )

    def reasons(self) -> list[tuple[int | None, str]]:
        data = self.cleaned_data
        out = [(None, data["general"])] if data.get("general", "").strip() else []
        out += [
            (ind.pk, data[f"reason_{ind.pk}"])
            for ind in self.indicators
            if data.get(f"reason_{ind.pk}", "").strip()
        ]
        return out

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not self.reasons():
            raise forms.ValidationError(_("退回时至少要写明一条原因（总体意见或某个指标的原因）。"))
        return cleaned


class ExtendDeadlineForm(forms.Form):
    until = _datetime_field(_("延期至"))
    reason = forms.CharField(label=_("延期原因"), max_length=300)


class InspectorChoiceField(forms.ModelChoiceField):
    def __init__(self, *args, conflicted=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.conflicted = set(conflicted)

    def label_from_instance(self, obj):
        if obj.pk in self.conflicted:
            return _("%(name)s（须回避）") % {"name": obj}
        return str(obj)


class AssignInspectorForm(forms.Form):
    inspector = InspectorChoiceField(label=_("验收人员"), queryset=None)
    visit_at = RangeDateTimeField(
        label=_("约定验收时间"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("可稍后再定；定下后验收人员在任务列表中看到。"),
    )

    def __init__(self, *args, queryset, conflicted=(), **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["inspector"]
        field.queryset = queryset
        field.conflicted = set(conflicted)
