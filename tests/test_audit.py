"""One audit trail that cannot be bypassed.

Every model the admin can change is changed here through a real POST to its change view (built
from the form the admin renders), and the change must show up in the row history with who, when
and the field's value before and after, plus a business audit entry. Inline rows, and writes made
in a shell with plain model methods, are recorded too.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib import admin
from django.forms import MultiWidget
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from branches.models import AuditEntry, Committee, Division, Member, Membership, SocialOrganization
from meetings.models import MeetingSettings, MeetingType
from programme.models import ProgrammeSettings
from ratings.models import InspectorConflict, RatingSettings, Rubric

from . import factories

pytestmark = pytest.mark.django_db

# Registered, changeable by a superuser, and still not walked. Keep this list short.
SKIP = {
    "auth.group": "Django's permission groups: not a domain model, no row history",
}

# The field each walk changes and its new value; other models get "（改）" added to a text field.
CHANGE = {
    "branches.committee": ("short_name", "改后简称"),
    "branches.division": ("name", "改后的区"),
    "branches.user": ("display_name", "改后显示名"),
    "ratings.ratingsettings": ("min_inspectors", "3"),
    "ratings.rubric": ("bonus_cap", "4.0"),
    "ratings.inspectorconflict": ("note", "改后的说明"),
    "meetings.meetingsettings": ("edit_window_days", None),  # None: current value + 1
    "programme.programmesettings": ("target_level", "4"),
}


@pytest.fixture
def superuser(db):
    return factories.UserFactory(username="root", is_superuser=True, is_staff=True)


@pytest.fixture
def world(committee):
    """One row of every model the admin edits, all in `committee`."""
    factories.make_rubric(committee)  # v1, frozen below by the cycle
    cycle = factories.CycleFactory(committee=committee, rubric=Rubric.objects.get(committee=committee))
    cycle.rubric.frozen_at = timezone.now()
    cycle.rubric.save()
    factories.make_rubric(committee)  # v2: unfrozen, editable in the admin
    po = factories.PartyOrganizationFactory(committee=committee, with_members=3)
    factories.InstructorFactory(committee=committee)
    inspector = factories.InspectorUserFactory(committee=committee, username="inspector")
    InspectorConflict.objects.create(
        inspector=inspector, organization=po.organizations.first(), kind="member", note="原说明"
    )
    RatingSettings.objects.get_or_create(committee_id=committee.pk)
    MeetingSettings.objects.get_or_create(committee=committee)
    ProgrammeSettings.for_committee(committee.pk)
    Division.objects.create(code="990001", name="测试区")  # the seeded codes predate the history
    return committee


def _request(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def _editable_admins(user):
    request = _request(user)
    return [
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if model_admin.has_change_permission(request)
    ]


def _value(value):
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date | dt.time | Decimal | int | float):
        return str(value)
    return value


def _form_data(form, data):
    """What the browser would post back for `form`, unchanged."""
    for name in form.fields:
        bound = form[name]
        field, widget = bound.field, bound.field.widget
        if field.disabled or widget.__class__.__name__ == "ClearableFileInput":
            continue
        value = bound.value()
        if isinstance(widget, MultiWidget):
            parts = value if isinstance(value, list | tuple) else widget.decompress(value)
            for i, part in enumerate(parts):
                data[f"{bound.html_name}_{i}"] = _value(part)
        elif isinstance(value, list | tuple):
            data[bound.html_name] = [str(v) for v in value]
        elif getattr(widget, "input_type", None) == "checkbox":
            if value:
                data[bound.html_name] = "on"
        else:
            data[bound.html_name] = _value(value)
    return data


def change_post(response):
    """The POST of a rendered admin change form, with its inline rows, as it stands."""
    context = response.context
    data = _form_data(context["adminform"].form, {})
    for inline in context["inline_admin_formsets"]:
        formset = inline.formset
        n = len(formset.initial_forms)
        management = formset.management_form
        data.update(
            {
                f"{formset.prefix}-TOTAL_FORMS": str(n),
                f"{formset.prefix}-INITIAL_FORMS": str(n),
                f"{formset.prefix}-MIN_NUM_FORMS": str(management["MIN_NUM_FORMS"].value() or 0),
                f"{formset.prefix}-MAX_NUM_FORMS": str(management["MAX_NUM_FORMS"].value() or 1000),
            }
        )
        for form in formset.initial_forms:
            _form_data(form, data)
    data["_save"] = "Save"
    return data


def _pick_change(model, form, data):
    """(field name, new posted value) for the walk's change."""
    label = model._meta.label_lower
    if label in CHANGE:
        name, new = CHANGE[label]
        if new is None:
            new = str(int(data[name]) + 1)
        return name, new
    for name in ("name", "title", "note", "reason", "address", "display_name"):
        field = form.fields.get(name)
        if field is not None and not field.disabled and not getattr(field, "choices", None):
            limit = getattr(field, "max_length", None) or 200
            return name, (str(data.get(name) or "") + "（改）")[-limit:]
    raise AssertionError(f"{label}: no field to change; add it to CHANGE")


def _object_for(model, model_admin, user):
    qs = model_admin.get_queryset(_request(user))
    for obj in qs.order_by("-pk"):
        if model_admin.has_change_permission(_request(user), obj):
            return obj
    raise AssertionError(f"{model._meta.label}: no changeable row in the test data")


def test_the_skip_list_stays_small(superuser):
    labels = {m._meta.label_lower for m, _a in _editable_admins(superuser)}
    assert set(SKIP) <= labels, "skip only models the admin really edits"
    assert len(SKIP) <= 2
    walked = labels - set(SKIP)
    assert len(walked) >= 15, sorted(walked)
    # Everything that is walked keeps a row history.
    for model, _admin in _editable_admins(superuser):
        if model._meta.label_lower in walked:
            assert hasattr(model, "history"), model._meta.label


def _walked(user):
    return [(m, a) for m, a in _editable_admins(user) if m._meta.label_lower not in SKIP]


@pytest.mark.parametrize(
    "label",
    [
        "branches.committee",
        "branches.division",
        "branches.socialorganization",
        "branches.partyorganization",
        "branches.member",
        "branches.instructor",
        "branches.user",
        "ratings.rubric",
        "ratings.rubriccategory",
        "ratings.indicator",
        "ratings.ratingsettings",
        "ratings.cycle",
        "ratings.inspectorconflict",
        "meetings.meetingtype",
        "meetings.meetingsettings",
        "programme.programmesettings",
    ],
)
def test_a_change_in_the_admin_is_in_the_row_history(label, world, superuser, client):
    admin_models = {m._meta.label_lower: (m, a) for m, a in _walked(superuser)}
    assert label in admin_models, f"{label} is no longer changeable in the admin: update this list"
    model, model_admin = admin_models[label]
    obj = _object_for(model, model_admin, superuser)
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[obj.pk])
    client.force_login(superuser)
    response = client.get(url)
    assert response.status_code == 200

    data = change_post(response)
    name, new = _pick_change(model, response.context["adminform"].form, data)
    old_value = getattr(model.objects.get(pk=obj.pk), model._meta.get_field(name).attname)
    data[name] = new
    started = timezone.now()
    response = client.post(url, data)
    assert response.status_code == 302, (
        response.context["adminform"].form.errors,
        [f.errors for i in response.context["inline_admin_formsets"] for f in i.formset.forms],
    )

    history = model.history.filter(**{model._meta.pk.attname: obj.pk}).order_by("-history_id")
    latest, previous = history[0], history[1]
    assert latest.history_type == "~"
    assert latest.history_user == superuser
    assert latest.history_date >= started
    delta = latest.diff_against(previous)
    change = next(c for c in delta.changes if c.field == name)
    assert (change.old, str(change.new)) == (old_value, str(getattr(latest, name)))
    assert change.old != change.new

    entry = AuditEntry.objects.filter(target_type=label, target_id=str(obj.pk)).latest("pk")
    assert entry.actor == superuser
    assert entry.action == f"{model._meta.model_name}.update"


def test_every_changeable_model_is_walked(superuser):
    walked = {m._meta.label_lower for m, _a in _walked(superuser)}
    params = next(
        m for m in test_a_change_in_the_admin_is_in_the_row_history.pytestmark if m.name == "parametrize"
    ).args[1]
    assert walked == set(params)


def test_a_member_added_in_the_party_organization_inline_is_recorded(superuser, client, party_organization):
    # The inline is a plain TabularInline: it needs Django model permissions, which only superusers hold.
    client.force_login(superuser)
    url = reverse("admin:branches_partyorganization_change", args=[party_organization.pk])
    response = client.get(url)
    data = change_post(response)
    prefix = response.context["inline_admin_formsets"][0].formset.prefix
    n = int(data[f"{prefix}-TOTAL_FORMS"])
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": str(n + 1),
            f"{prefix}-{n}-party_organization": str(party_organization.pk),
            f"{prefix}-{n}-name": "新党员",
            f"{prefix}-{n}-membership": Membership.FULL,
            f"{prefix}-{n}-role": "member",
            f"{prefix}-{n}-joined_on": "2020-07-01",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["inline_admin_formsets"][0].formset.errors

    member = Member.objects.get(party_organization=party_organization, name="新党员")
    (created,) = member.history.all()
    assert (created.history_type, created.history_user) == ("+", superuser)
    entry = AuditEntry.objects.get(action="member.create", target_id=str(member.pk))
    assert (entry.actor, entry.committee_id, entry.after["name"]) == (
        superuser,
        party_organization.committee_id,
        "新党员",
    )


@pytest.mark.parametrize(
    "make, change",
    [
        (lambda: Committee.objects.create(name="壳中创建"), ("short_name", "简称")),
        (lambda: factories.SocialOrganizationFactory(), ("address", "新住所")),
        (lambda: factories.CycleFactory(), ("title", "新标题")),
        (lambda: MeetingType.objects.filter(is_active=True).first(), ("name", "新会议类型")),
    ],
    ids=["committee", "social-organization", "cycle", "meeting-type"],
)
def test_shell_writes_are_recorded(make, change, committee):
    obj = make()
    model = type(obj)
    pk = obj.pk
    name, value = change
    setattr(obj, name, value)
    obj.save()
    obj.delete()

    types = list(
        model.history.filter(**{model._meta.pk.attname: pk})
        .order_by("history_id")
        .values_list("history_type", flat=True)
    )
    assert types[-2:] == ["~", "-"]
    assert types[0] == "+" or model is MeetingType  # meeting types come from the committee's seed
    assert (
        model.history.filter(**{model._meta.pk.attname: pk}, history_type="~")
        .latest()
        .instance.__dict__[name]
        == value
    )
    assert not model.objects.filter(pk=pk).exists()


def test_a_bulk_import_writes_history(staff_user, committee):
    from simple_history.utils import bulk_create_with_history

    orgs = [factories.SocialOrganizationFactory.build(committee=committee) for _i in range(3)]
    bulk_create_with_history(orgs, SocialOrganization, default_user=staff_user)
    assert SocialOrganization.history.filter(history_type="+", history_user=staff_user).count() == 3


def test_staff_see_the_history_of_their_rows_but_cannot_revert(staff_client, staff_user, committee):
    org = factories.SocialOrganizationFactory(committee=committee, name="原名称")
    org._history_user = staff_user
    org.name = "新名称"
    org.save()
    url = reverse("admin:branches_socialorganization_history", args=[org.pk])
    response = staff_client.get(url)
    assert response.status_code == 200
    assert "新名称" in response.content.decode()

    first = org.history.earliest()
    revert = reverse("admin:branches_socialorganization_simple_history", args=[org.pk, first.history_id])
    assert staff_client.post(revert, {"name": "原名称"}).status_code == 403
    org.refresh_from_db()
    assert org.name == "新名称"


def test_an_audit_note_is_kept_within_its_limit(committee, staff_user):
    from branches.services import audit_record
    from core.limits import AUDIT_NOTE

    entry = audit_record(
        actor=staff_user, action="committee.note", target=committee, note="记" * (AUDIT_NOTE + 50)
    )
    assert len(entry.note) == AUDIT_NOTE
    entry.clean_fields(exclude=[f.name for f in entry._meta.fields if f.name != "note"])
