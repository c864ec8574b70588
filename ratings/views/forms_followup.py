"""Forms of the follow-up pages (跟踪评估, 核查评估)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from branches.models import Role, User
from core.dates import validate_date_in_range
from core.limits import REASON

from ..models import Award, FollowUpCheck, Indicator, VetoItem


class FollowUpSampleForm(forms.Form):
    share = forms.IntegerField(label=_("抽取比例（%）"), min_value=1, max_value=100)
    seed = forms.IntegerField(
        label=_("随机种子"),
        min_value=0,
        max_value=2**63 - 1,
        required=False,
        help_text=_("留空则随机生成；填写相同的种子，对同一批命名会抽出同样的结果。"),
    )


class FollowUpScheduleForm(forms.Form):
    visit_on = forms.DateField(
        label=_("核查日期"),
        validators=[validate_date_in_range],
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    inspector = forms.ModelChoiceField(label=_("验收人员"), queryset=User.objects.none(), required=False)
    indicators = forms.ModelMultipleChoiceField(
        label=_("核查指标"), queryset=Indicator.objects.none(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, check: FollowUpCheck, **kwargs):
        super().__init__(*args, **kwargs)
        cycle = check.award.cycle
        self.fields["inspector"].queryset = User.objects.filter(
            role=Role.INSPECTOR, committee_id=cycle.committee_id, is_active=True
        ).order_by("username")
        self.fields["indicators"].queryset = Indicator.objects.filter(category__rubric_id=cycle.rubric_id)


class FollowUpScoreForm(forms.Form):
    indicator = forms.ModelChoiceField(label=_("指标"), queryset=Indicator.objects.none())
    score = forms.DecimalField(label=_("核查分"), min_value=0, max_digits=5, decimal_places=1)
    finding = forms.CharField(label=_("发现的问题"), required=False, max_length=REASON, widget=forms.Textarea)

    def __init__(self, *args, check: FollowUpCheck, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator"].queryset = check.indicators.order_by("pk")


class FollowUpConcludeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("核查结果"),
        choices=[(k, v) for k, v in FollowUpCheck.State.choices if k != FollowUpCheck.State.OPEN],
    )
    to_level = forms.IntegerField(label=_("降级后的星级"), min_value=0, max_value=4, required=False)
    conclusion = forms.CharField(label=_("结论"), max_length=REASON, widget=forms.Textarea)


class FollowUpReportForm(forms.Form):
    """An event reported during an award's validity that may affect its level."""

    item = forms.ModelChoiceField(
        label=_("一票否决事项"),
        queryset=VetoItem.objects.none(),
        required=False,
        empty_label=_("（未列明的事项）"),
    )
    description = forms.CharField(
        label=_("报告的事项"),
        max_length=REASON,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("请写明报告的事项。")},
    )

    def __init__(self, *args, award: Award, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = VetoItem.objects.filter(rubric_id=award.cycle.rubric_id).order_by(
            "order", "pk"
        )
