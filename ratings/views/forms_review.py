"""Forms of the on-site acceptance and central review pages.

They only parse what was typed (a number is a number, text is not too long); every rule of
the procedure (score within the indicator's maximum, half-point steps, a reason when the final
score leaves the average, states) is checked by the workflow services (ratings.workflow), so one message says it
whichever page, command or task calls.
"""

from django import forms
from django.utils.translation import gettext_lazy as _


class InspectionScoreForm(forms.Form):
    indicator = forms.IntegerField(widget=forms.HiddenInput)
    # decimal_places=2 so that "3.25" reaches the service and gets its "0.5分" message.
    score = forms.DecimalField(label=_("验收分"), required=False, min_value=0, max_digits=6, decimal_places=2)
    finding = forms.CharField(label=_("验收意见"), required=False, max_length=2000, widget=forms.Textarea)


class PhotoUploadForm(forms.Form):
    indicator = forms.IntegerField(widget=forms.HiddenInput)


class VetoRaiseForm(forms.Form):
    item = forms.IntegerField(label=_("否决事项"))
    note = forms.CharField(
        label=_("线索"),
        max_length=2000,
        widget=forms.Textarea,
        error_messages={"required": _("请写明发现的线索或依据。")},
    )


class FinalScoreForm(forms.Form):
    indicator = forms.IntegerField(widget=forms.HiddenInput)
    score = forms.DecimalField(
        label=_("最终得分"),
        min_value=0,
        max_digits=6,
        decimal_places=2,
        error_messages={"required": _("请填写最终得分。")},
    )
    reason = forms.CharField(label=_("调整理由"), required=False, max_length=2000)


class AdjustmentForm(forms.Form):
    item = forms.IntegerField(widget=forms.HiddenInput)
    times = forms.IntegerField(
        label=_("次数"),
        min_value=0,
        max_value=99,
        error_messages={"required": _("请填写次数（0 表示不加减分）。")},
    )
    note = forms.CharField(label=_("依据"), required=False, max_length=300)


class VetoDecideForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("confirm", _("认定")), ("clear", _("排除"))],
        error_messages={"required": _("请选择认定或排除。"), "invalid_choice": _("请选择认定或排除。")},
    )
    reason = forms.CharField(label=_("理由"), required=False, max_length=2000)


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("原因"), required=False, max_length=2000)


def first_error(form: forms.Form) -> str:
    """The form's first error as one line, prefixed with the field's label."""
    for name, errors in form.errors.items():
        field = form.fields.get(name)
        label = field.label if field is not None and field.label and not field.widget.is_hidden else ""
        return f"{label}：{errors[0]}" if label else str(errors[0])
    return ""
