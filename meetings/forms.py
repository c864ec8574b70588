from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import limits
from core.dates import RangeDateTimeField

from .models import AttendanceStatus, MeetingStatus

ACCEPT = ".pdf,.jpg,.jpeg,.png,.docx,.xlsx,image/jpeg,image/png,application/pdf"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; the services check each file's content and size."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class MeetingForm(forms.Form):
    meeting_type = forms.ModelChoiceField(label=_("会议类型"), queryset=None, empty_label=None)
    starts_at = RangeDateTimeField(
        label=_("开始时间"), widget=LocalDateTimeInput(), input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
    )
    status = forms.ChoiceField(label=_("状态"), choices=MeetingStatus.choices, initial=MeetingStatus.HELD)
    place = forms.CharField(label=_("地点"), max_length=200)
    topic = forms.CharField(label=_("主题"), max_length=200)
    host = forms.ModelChoiceField(label=_("主持人"), queryset=None, required=False)
    minutes_taker = forms.ModelChoiceField(label=_("记录人"), queryset=None, required=False)
    lecturer = forms.CharField(label=_("授课人（党课）"), max_length=100, required=False)
    lecture_topic = forms.CharField(label=_("党课题目（党课）"), max_length=200, required=False)
    guests = forms.CharField(
        label=_("列席人员"),
        max_length=300,
        required=False,
        help_text=_("非本支部党员，如社会组织负责人、党建指导员。"),
    )
    minutes = forms.CharField(
        label=_("会议记录"),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        max_length=limits.MINUTES,
        error_messages={"max_length": _("会议记录不能超过%(limit_value)d个字符（现有%(show_value)d个）。")},
    )
    attachments = MultipleFileField(
        label=_("附件和照片"),
        required=False,
        help_text=_("可多选；支持 PDF、JPG、PNG、Word（docx）、Excel（xlsx）。"),
    )
    reason = forms.CharField(
        label=_("修改原因"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, meeting_types, members, late: bool = False, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting_type"].queryset = meeting_types
        self.fields["host"].queryset = members
        self.fields["minutes_taker"].queryset = members
        self.late = late
        if not editing:
            del self.fields["reason"]
        elif late:
            self.fields["reason"].required = True
            self.fields["reason"].help_text = _(
                "这条记录登记已超过修改期限，修改须填写原因，将记入审计日志。"
            )

    def clean(self):
        cleaned = super().clean()
        starts_at = cleaned.get("starts_at")
        if starts_at and cleaned.get("status") == MeetingStatus.HELD and starts_at > timezone.now():
            self.add_error("status", _("会议开始时间还没到，不能标记为“已召开”；请先保存为“计划召开”。"))
        mt = cleaned.get("meeting_type")
        if mt is not None and mt.is_lecture and cleaned.get("status") == MeetingStatus.HELD:
            if not cleaned.get("lecturer"):
                self.add_error("lecturer", _("党课须填写授课人。"))
            if not cleaned.get("lecture_topic"):
                self.add_error("lecture_topic", _("党课须填写党课题目。"))
        return cleaned


ATTENDANCE_CHOICES = [*AttendanceStatus.choices, ("", _("不记"))]


class AttendanceForm(forms.Form):
    member = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(
        label=_("出席情况"), choices=ATTENDANCE_CHOICES, required=False, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("原因"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("请假/缺席原因")}),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status") == AttendanceStatus.EXCUSED and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", _("请假须填写原因。"))
        return cleaned


AttendanceFormSet = forms.formset_factory(AttendanceForm, extra=0, max_num=500, validate_max=True)


class AttachmentForm(forms.Form):
    files = MultipleFileField(label=_("添加附件或照片"))
    reason = forms.CharField(label=_("修改原因"), max_length=500, required=False)


class RemoveAttachmentForm(forms.Form):
    reason = forms.CharField(label=_("修改原因"), max_length=500, required=False)
