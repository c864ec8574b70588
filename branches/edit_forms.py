"""Forms with which committee staff keep the register in the app (not only in the Django admin)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import Division, Instructor, Member, PartyOrganization, SocialOrganization, validate_coverage
from .selectors import uscc_taken_message


class NeutralUsccMixin:
    """A code already registered is refused without telling one committee's staff what another has
    registered (the admin's organisation form and the app's)."""

    def validate_unique(self):
        super().validate_unique()
        errors = self.errors.as_data().get("uscc", [])
        if any(e.code == "unique" for e in errors):
            message = uscc_taken_message(self.instance.uscc, self.instance.committee_id)
            kept = [e for e in errors if e.code != "unique"] + [ValidationError(message, code="uscc_taken")]
            self.errors["uscc"] = self.error_class(kept, renderer=self.renderer)


class OrganizationForm(NeutralUsccMixin, forms.ModelForm):
    class Meta:
        model = SocialOrganization
        fields = [
            "name",
            "uscc",
            "org_type",
            "is_trade_association",
            "division_code",
            "address",
            "status",
            "charter_includes_party_building",
            "leader_attends_board",
            "has_joint_decision_mechanism",
            "has_duty_list",
            "candidates_vetted",
        ]

    def __init__(self, *args, committee, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.committee = committee
        divisions = [("", _("按信用代码第3–8位"))] + [
            (d.code, f"{d.code} {d.name}") for d in Division.objects.order_by("code")
        ]
        self.fields["division_code"] = forms.ChoiceField(
            label=_("行政区划"), choices=divisions, required=False
        )
        self.fields["org_type"].required = False


class PartyOrganizationForm(forms.ModelForm):
    organizations = forms.ModelMultipleChoiceField(
        label=_("覆盖的社会组织"),
        queryset=SocialOrganization.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("党支部覆盖1个，联合党支部覆盖2个及以上（按住 Ctrl 多选）。"),
    )

    class Meta:
        model = PartyOrganization
        fields = ["name", "kind", "founded_on", "parent", "is_active"]
        widgets = {"founded_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, committee, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.committee = committee
        self.fields["organizations"].queryset = SocialOrganization.objects.filter(committee=committee)
        parents = PartyOrganization.objects.filter(committee=committee)
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
            self.fields["organizations"].initial = list(
                self.instance.organizations.values_list("pk", flat=True)
            )
        self.fields["parent"].queryset = parents

    def clean(self):
        data = super().clean()
        orgs = data.get("organizations")
        if orgs is not None and data.get("kind"):
            try:
                validate_coverage(data["kind"], list(orgs), self.instance.committee)
            except ValidationError as exc:
                self.add_error("organizations", exc)
        return data


class MemberForm(forms.ModelForm):
    class Meta:
        model = Member
        fields = ["name", "role", "membership", "joined_on"]
        widgets = {"joined_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, party_organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.party_organization = party_organization


class InstructorForm(forms.ModelForm):
    organizations = forms.ModelMultipleChoiceField(
        label=_("联系的社会组织"),
        queryset=SocialOrganization.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("只能指派到尚未建立党组织的社会组织。"),
    )

    class Meta:
        model = Instructor
        fields = ["name", "kind", "phone", "is_active"]

    def __init__(self, *args, committee, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.committee = committee
        self.fields["organizations"].queryset = SocialOrganization.objects.filter(committee=committee)
        if self.instance.pk:
            self.fields["organizations"].initial = list(
                self.instance.organizations.values_list("pk", flat=True)
            )
