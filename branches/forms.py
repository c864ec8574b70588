from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import OrgStatus, OrgType


class OrganizationFilterForm(forms.Form):
    q = forms.CharField(label=_("名称或信用代码"), required=False, max_length=100)
    org_type = forms.ChoiceField(
        label=_("类型"), required=False, choices=[("", _("全部类型"))] + OrgType.choices
    )
    division = forms.CharField(label=_("区划"), required=False, max_length=6)
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部状态"))] + OrgStatus.choices
    )
    covered = forms.ChoiceField(
        label=_("覆盖"),
        required=False,
        choices=[
            ("", _("全部")),
            ("party", _("有党组织")),
            ("instructor", _("仅指导员/联络员")),
            ("none", _("未覆盖")),
        ],
    )

    def __init__(self, *args, divisions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["division"] = forms.ChoiceField(
            label=_("区划"), required=False, choices=[("", _("全部区划")), *divisions]
        )


class ImportUploadForm(forms.Form):
    file = forms.FileField(label=_("文件（.xlsx 或 .csv）"))

    def clean_file(self):
        f = self.cleaned_data["file"]
        name = f.name.lower()
        if not (name.endswith(".xlsx") or name.endswith(".csv")):
            raise forms.ValidationError(
                _("只支持 .xlsx 或 .csv 文件，当前文件是“%(name)s”。") % {"name": f.name}
            )
        if f.size > settings.UPLOAD_MAX_BYTES:
            raise forms.ValidationError(
                _("文件太大（%(size).1f MB），上限 %(max).0f MB。")
                % {"size": f.size / 1048576, "max": settings.UPLOAD_MAX_BYTES / 1048576}
            )
        return f
