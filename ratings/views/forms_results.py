"""Forms of 公示, objections, awards, plaques and rectification.

They parse and bound what was typed; the rules of the procedure (notice period, states, rate
limit, file types by content) are checked by the outcome services (ratings.outcomes).
"""

from captcha.fields import CaptchaField
from django import forms
from django.utils.translation import gettext_lazy as _

from core.dates import RangeDateField

from ..models import Award, Objection, Rectification, level_name
from ..outcomes.awards import GROUNDS
from ..outcomes.objections import MAX_OBJECTION_FILES

DOCUMENT_ACCEPT = ".pdf,.jpg,.jpeg,.png,.docx,.xlsx"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def _date_field(label, *, required_message=None, **kwargs):
    messages = {"invalid": _("请按“年-月-日”填写日期，例如 2024-06-30。")}
    if required_message:
        messages["required"] = required_message
    return RangeDateField(
        label=label, widget=DateInput(), input_formats=["%Y-%m-%d"], error_messages=messages, **kwargs
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each one is checked by the service (type by content, size)."""

    def __init__(self, *args, max_files: int, **kwargs):
        self.max_files = max_files
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": DOCUMENT_ACCEPT}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > self.max_files:
            raise forms.ValidationError(_("附件最多 %(n)d 个。") % {"n": self.max_files})
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


# --- 公示 (public) ---------------------------------------------------------------------------


class ObjectionForm(forms.Form):
    """Anyone, no login. Name and contact are optional; they are shown to committee staff only."""

    name = forms.CharField(label=_("姓名（可不填）"), required=False, max_length=50)
    contact = forms.CharField(
        label=_("联系方式（可不填，电话或电子邮箱）"),
        required=False,
        max_length=100,
        help_text=_("留下联系方式的，复核结论将告知您；联系方式不会公开。"),
    )
    reason = forms.CharField(
        label=_("异议理由"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("请写明异议理由。"), "max_length": _("异议理由不能超过2000字。")},
    )
    files = MultipleFileField(
        label=_("附件（可不填，最多3个：pdf、jpg、png、docx、xlsx）"), max_files=MAX_OBJECTION_FILES
    )
    # Honeypot: hidden from people and screen readers (see the template); only a bot fills it in.
    website = forms.CharField(
        label=_("请勿填写此栏（用于识别自动提交）"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    HONEYPOT = "website"

    def __init__(self, *args, with_captcha: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if with_captcha:
            self.fields["captcha"] = CaptchaField(
                label=_("验证码"),
                help_text=_("请输入图片中的字符，不区分大小写。"),
                error_messages={
                    "required": _("请输入图片中的验证码。"),
                    "invalid": _("验证码不正确，请输入新图片中的字符。"),
                },
            )

    def is_bot(self) -> bool:
        """The honeypot was filled in (read from the raw data: it is never a field error)."""
        return bool(self.is_bound and (self.data.get(self.HONEYPOT) or "").strip())


class VerifyLookupForm(forms.Form):
    no = forms.CharField(label=_("证书编号"), max_length=100, required=False)


# --- Staff: publish, finalise, objections ----------------------------------------------------


class PublishForm(forms.Form):
    starts_on = _date_field(_("公示开始日期（不填为今天）"), required=False)


class ObjectionOutcomeForm(forms.Form):
    outcome = forms.CharField(
        label=_("复核结论"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("请写明复核结论和理由。")},
    )


class ObjectionUpholdForm(ObjectionOutcomeForm):
    """采纳: the outcome, and the corrected result: changed final scores and/or a veto item."""

    veto_item = forms.TypedChoiceField(
        label=_("认定一票否决事项"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, indicators, current: dict, veto_items, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicators = list(indicators)
        self.current = current
        for ind in self.indicators:
            self.fields[f"score_{ind.pk}"] = forms.DecimalField(
                label=f"{ind.code} {ind.title}",
                required=False,
                min_value=0,
                max_value=ind.max_score,
                max_digits=6,
                decimal_places=2,
                initial=current.get(ind.pk),
            )
        self.fields["veto_item"].choices = [("", _("（不认定）"))] + [(v.pk, v.title) for v in veto_items]

    def score_rows(self):
        return [(ind, self[f"score_{ind.pk}"], self.current.get(ind.pk)) for ind in self.indicators]

    def changed_scores(self) -> dict:
        """Only the indicators whose final score was changed."""
        changed = {}
        for ind in self.indicators:
            value = self.cleaned_data.get(f"score_{ind.pk}")
            if value is not None and value != self.current.get(ind.pk):
                changed[ind.pk] = value
        return changed


class ObjectionFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部"))] + list(Objection.State.choices)
    )


# --- Awards and plaques ------------------------------------------------------------------------

GROUNDS_CHOICES = [("", _("（请选择）"))] + list(GROUNDS.items())


class AwardFilterForm(forms.Form):
    STATES = [
        ("", _("全部")),
        ("valid", _("有效")),
        ("downgraded", _("已降级")),
        ("revoked", _("已撤销")),
        ("expired", _("已过期")),
    ]
    PLAQUES = [
        ("", _("全部")),
        ("not_made", _("未制作")),
        ("not_delivered", _("未授牌")),
        ("delivered", _("已授牌")),
        ("return_due", _("待退回")),
        ("returned", _("已退回")),
    ]
    cycle = forms.TypedChoiceField(label=_("评星周期"), required=False, coerce=int, empty_value=None)
    state = forms.ChoiceField(label=_("状态"), required=False, choices=STATES)
    plaque = forms.ChoiceField(label=_("牌匾"), required=False, choices=PLAQUES)

    def __init__(self, *args, cycles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cycle"].choices = [("", _("全部"))] + [(c.pk, str(c)) for c in cycles]


class _AwardChangeForm(forms.Form):
    grounds = forms.ChoiceField(
        label=_("事由"), choices=GROUNDS_CHOICES, error_messages={"required": _("请选择事由。")}
    )
    reason = forms.CharField(
        label=_("理由"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请写明理由。")},
    )
    evidence = forms.FileField(
        label=_("依据材料（可不填）"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": DOCUMENT_ACCEPT}),
    )


class AwardDowngradeForm(_AwardChangeForm):
    to_level = forms.TypedChoiceField(
        label=_("降为"), coerce=int, error_messages={"required": _("请选择降级后的星级。")}
    )
    field_order = ["to_level", "grounds", "reason", "evidence"]

    def __init__(self, *args, award: Award, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_level"].choices = [("", _("（请选择）"))] + [
            (lv, level_name(lv)) for lv in range(award.level - 1, -1, -1)
        ]


class AwardRevokeForm(_AwardChangeForm):
    pass


class PlaqueForm(forms.Form):
    made_on = _date_field(_("制作日期"), required=False)
    delivered_on = _date_field(_("授牌日期"), required=False)
    delivered_by = forms.CharField(label=_("授牌人"), required=False, max_length=50)
    received_by = forms.CharField(label=_("接收人"), required=False, max_length=50)
    returned_on = _date_field(_("实际退回日期"), required=False)

    FIELDS = ("made_on", "delivered_on", "delivered_by", "received_by", "returned_on")

    def changes(self, plaque) -> dict:
        """What differs from the register (an unchanged field is not written again)."""
        out = {}
        for name in self.FIELDS:
            value = self.cleaned_data.get(name)
            if name in ("delivered_by", "received_by"):
                value = (value or "").strip()
                if value != getattr(plaque, name):
                    out[name] = value
            elif value != getattr(plaque, name):
                out[name] = value
        return out


# --- Rectification -----------------------------------------------------------------------------


class RectificationForm(forms.Form):
    indicator = forms.TypedChoiceField(
        label=_("指标（可不选）"), required=False, coerce=int, empty_value=None
    )
    problem = forms.CharField(
        label=_("存在问题"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请写明存在问题。")},
    )
    requirement = forms.CharField(
        label=_("整改要求"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请写明整改要求。")},
    )
    due_on = _date_field(_("整改期限"), required_message=_("请填写整改期限。"))

    def __init__(self, *args, indicators, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator"].choices = [("", _("（不针对具体指标）"))] + [
            (i.pk, f"{i.code} {i.title}") for i in indicators
        ]


class RectificationAnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("整改情况"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("请写明整改情况。")},
    )
    files = MultipleFileField(label=_("佐证材料（可多个）"), max_files=10)


class RectificationNoteForm(forms.Form):
    note = forms.CharField(
        label=_("核查意见"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class RectificationFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部"))] + list(Rectification.State.choices)
    )
    overdue = forms.BooleanField(label=_("只看逾期"), required=False)
