"""The admin for committee staff: their committee only, everywhere it can show or take a row."""

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from branches import services
from branches.models import (
    AuditEntry,
    Instructor,
    Member,
    OrgStatus,
    OrgType,
    PartyOrganization,
    PartyOrgKind,
    Role,
    SocialOrganization,
    User,
)
from branches.uscc import make_uscc
from tests import factories

pytestmark = pytest.mark.django_db


def admin_url(model, view="changelist", *args):
    return reverse(f"admin:branches_{model}_{view}", args=args)


@pytest.fixture
def registers(committee, other_committee, staff_user, other_staff_user):
    """The same shape of register for both committees, with audit entries written by services."""
    data = {}
    for c, staff, prefix in ((committee, staff_user, "本会"), (other_committee, other_staff_user, "他会")):
        orgs = [
            factories.SocialOrganizationFactory(
                committee=c,
                name=f"{prefix}软件行业协会",
                org_type=OrgType.ASSOCIATION,
                division="510107",
                is_trade_association=True,
            ),
            factories.SocialOrganizationFactory(
                committee=c, name=f"{prefix}社区发展基金会", org_type=OrgType.FOUNDATION, division="510104"
            ),
            factories.SocialOrganizationFactory(
                committee=c,
                name=f"{prefix}养老服务中心",
                org_type=OrgType.PRIVATE_NON_ENTERPRISE,
                division="510107",
                status=OrgStatus.ABNORMAL,
            ),
            factories.SocialOrganizationFactory(
                committee=c, name=f"{prefix}文化研究会", org_type=OrgType.ASSOCIATION, division="510700"
            ),
        ]
        po = factories.PartyOrganizationFactory(
            committee=c, name=f"{prefix}软件行业协会党支部", organizations=[orgs[0]], with_members=3
        )
        ins = factories.InstructorFactory(committee=c, name=f"{prefix}指导员", organizations=[orgs[3]])
        secretary = factories.SecretaryUserFactory(party_organization=po, username=f"{prefix}-sec")
        services.organization_save(organization=orgs[1], by=staff)
        data[c.pk] = {"orgs": orgs, "po": po, "ins": ins, "secretary": secretary}
    return data


def _rows(response):
    assert response.status_code == 200, response.status_code
    return list(response.context["cl"].result_list)


# --- changelists --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "model, committee_of",
    [
        ("socialorganization", lambda o: o.committee_id),
        ("partyorganization", lambda o: o.committee_id),
        ("member", lambda o: o.party_organization.committee_id),
        ("instructor", lambda o: o.committee_id),
        ("user", lambda o: o.committee_id),
        ("auditentry", lambda o: o.committee_id),
        ("committee", lambda o: o.pk),
    ],
)
def test_changelists_show_only_the_staff_members_committee(
    staff_client, committee, registers, model, committee_of
):
    rows = _rows(staff_client.get(admin_url(model)))
    assert rows
    assert {committee_of(r) for r in rows} == {committee.pk}


def test_changelist_counts(staff_client, committee, registers):
    assert len(_rows(staff_client.get(admin_url("socialorganization")))) == 4
    assert len(_rows(staff_client.get(admin_url("partyorganization")))) == 1
    assert len(_rows(staff_client.get(admin_url("member")))) == 3
    # the staff user and the secretary; no superusers, no other committee
    assert {u.username for u in _rows(staff_client.get(admin_url("user")))} == {"staff", "本会-sec"}


def test_the_other_committee_sees_its_own(login, other_staff_user, other_committee, registers):
    client = login(other_staff_user)
    names = {o.name for o in _rows(client.get(admin_url("socialorganization")))}
    assert names == {o.name for o in registers[other_committee.pk]["orgs"]}


# --- another committee's rows cannot be opened -------------------------------------------------


def _foreign(registers, other_committee, model):
    d = registers[other_committee.pk]
    return {
        "socialorganization": d["orgs"][0],
        "partyorganization": d["po"],
        "member": d["po"].members.first(),
        "instructor": d["ins"],
        "user": d["secretary"],
        "committee": other_committee,
        "auditentry": AuditEntry.objects.filter(committee=other_committee).first(),
    }[model]


@pytest.mark.parametrize(
    "model",
    ["socialorganization", "partyorganization", "member", "instructor", "user", "committee", "auditentry"],
)
@pytest.mark.parametrize("view", ["change", "history", "delete"])
def test_another_committees_row_looks_like_a_missing_one(
    staff_client, other_committee, registers, model, view
):
    obj = _foreign(registers, other_committee, model)
    response = staff_client.get(admin_url(model, view, obj.pk))
    missing = staff_client.get(admin_url(model, view, 987654321))
    if view == "delete" and model in ("committee", "auditentry"):
        # Staff may not delete these at all: 403 whatever the id, so it reveals nothing either.
        assert response.status_code == missing.status_code == 403
        return
    # Django's answer for an id outside get_queryset(): back to the index with "does not exist",
    # exactly as for an id that was never used.
    assert response.status_code == missing.status_code == 302
    assert response["Location"] == missing["Location"] == reverse("admin:index")
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert messages == [f"ID 为“{obj.pk}”的 {obj._meta.verbose_name} 不存在。可能已经被删除了？"]


def test_posting_to_another_committees_row_changes_nothing(staff_client, other_committee, registers):
    org = registers[other_committee.pk]["orgs"][0]
    response = staff_client.post(admin_url("socialorganization", "change", org.pk), {"name": "改掉"})
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.name != "改掉"


def test_bulk_delete_cannot_reach_another_committees_rows(
    staff_client, committee, other_committee, registers
):
    foreign = registers[other_committee.pk]["orgs"][1]
    own = registers[committee.pk]["orgs"][2]
    staff_client.post(
        admin_url("socialorganization"),
        {
            "action": "delete_selected",
            "_selected_action": [foreign.pk, own.pk],
            "post": "yes",
        },
    )
    assert SocialOrganization.objects.filter(pk=foreign.pk).exists()
    assert not SocialOrganization.objects.filter(pk=own.pk).exists()
    assert AuditEntry.objects.filter(
        action="socialorganization.delete", target_id=str(own.pk), committee=committee
    ).exists()


# --- autocomplete and form choices ---------------------------------------------------------------


def _autocomplete(client, model_name, field_name, term=""):
    response = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "branches",
            "model_name": model_name,
            "field_name": field_name,
            "term": term,
        },
    )
    assert response.status_code == 200
    return {int(r["id"]) for r in response.json()["results"]}


@pytest.mark.parametrize(
    "model_name, field_name, target",
    [
        ("partyorganization", "organizations", SocialOrganization.objects.all),
        ("instructor", "organizations", SocialOrganization.objects.all),
        ("partyorganization", "parent", PartyOrganization.objects.all),
        ("member", "party_organization", PartyOrganization.objects.all),
        ("user", "party_organization", PartyOrganization.objects.all),
    ],
)
@pytest.mark.parametrize("term", ["", "会", "软件"])
def test_autocomplete_returns_only_own_committee_rows(
    staff_client, committee, registers, model_name, field_name, target, term
):
    ids = _autocomplete(staff_client, model_name, field_name, term)
    own = {o.pk for o in target() if o.committee_id == committee.pk}
    assert ids <= own
    if term in ("", "软件"):
        assert ids  # the own rows are found


def test_autocomplete_is_closed_to_secretaries(login, registers, committee):
    client = login(registers[committee.pk]["secretary"])
    response = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "branches",
            "model_name": "partyorganization",
            "field_name": "organizations",
            "term": "",
        },
    )
    assert response.status_code in (302, 403)
    assert b"results" not in response.content


@pytest.mark.parametrize(
    "model, field, expected",
    [
        ("partyorganization", "organizations", lambda c: SocialOrganization.objects.filter(committee=c)),
        ("partyorganization", "parent", lambda c: PartyOrganization.objects.filter(committee=c)),
        ("member", "party_organization", lambda c: PartyOrganization.objects.filter(committee=c)),
        ("member", "user", lambda c: User.objects.filter(committee=c)),
        ("instructor", "organizations", lambda c: SocialOrganization.objects.filter(committee=c)),
        ("user", "party_organization", lambda c: PartyOrganization.objects.filter(committee=c)),
    ],
)
def test_form_choices_are_limited_to_the_committee(
    staff_client, committee, registers, model, field, expected
):
    response = staff_client.get(admin_url(model, "add"))
    assert response.status_code == 200
    form = response.context["adminform"].form
    if field not in form.fields:
        pytest.skip(f"{model}.{field} is not on the add form")
    assert set(form.fields[field].queryset) == set(expected(committee))


def test_the_committee_field_is_not_offered_to_staff(staff_client, registers):
    for model in ("socialorganization", "partyorganization", "instructor", "user"):
        form = staff_client.get(admin_url(model, "add")).context["adminform"].form
        assert "committee" not in form.fields, model


def _po_post(**fields):
    data = {
        "name": "新党支部",
        "kind": PartyOrgKind.BRANCH,
        "founded_on": "2020-07-01",
        "parent": "",
        "is_active": "on",
        "members-TOTAL_FORMS": "0",
        "members-INITIAL_FORMS": "0",
        "members-MIN_NUM_FORMS": "0",
        "members-MAX_NUM_FORMS": "1000",
    }
    data.update(fields)
    return data


def test_a_party_organisation_cannot_cover_another_committees_organisation(
    staff_client, other_committee, registers
):
    foreign = registers[other_committee.pk]["orgs"][1]
    response = staff_client.post(admin_url("partyorganization", "add"), _po_post(organizations=[foreign.pk]))
    assert response.status_code == 200
    assert "organizations" in response.context["adminform"].form.errors
    assert not PartyOrganization.objects.filter(name="新党支部").exists()


def test_staff_add_a_party_organisation_to_their_committee(staff_client, committee, registers):
    org = registers[committee.pk]["orgs"][1]
    response = staff_client.post(admin_url("partyorganization", "add"), _po_post(organizations=[org.pk]))
    assert response.status_code == 302, response.context["adminform"].form.errors
    po = PartyOrganization.objects.get(name="新党支部")
    assert po.committee == committee
    assert list(po.organizations.all()) == [org]
    assert AuditEntry.objects.filter(action="partyorganization.create", target_id=str(po.pk)).exists()


def test_a_plain_branch_with_two_organisations_is_refused_in_the_admin(staff_client, committee, registers):
    orgs = registers[committee.pk]["orgs"]
    response = staff_client.post(
        admin_url("partyorganization", "add"), _po_post(organizations=[orgs[1].pk, orgs[2].pk])
    )
    assert response.status_code == 200
    assert "联合党支部" in str(response.context["adminform"].form.errors["organizations"])


def test_a_duplicate_party_organisation_name_is_a_form_error(staff_client, committee, registers):
    name = registers[committee.pk]["po"].name
    response = staff_client.post(
        admin_url("partyorganization", "add"),
        _po_post(name=name, organizations=[registers[committee.pk]["orgs"][1].pk]),
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert PartyOrganization.objects.filter(name=name).count() == 1


def test_the_same_party_organisation_name_is_fine_in_another_committee(
    staff_client, committee, other_committee, registers
):
    name = registers[other_committee.pk]["po"].name
    response = staff_client.post(
        admin_url("partyorganization", "add"),
        _po_post(name=name, organizations=[registers[committee.pk]["orgs"][1].pk]),
    )
    assert response.status_code == 302


# --- list filters and search ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"org_type__exact": "foundation"}, {"本会社区发展基金会"}),
        ({"org_type__exact": "association"}, {"本会软件行业协会", "本会文化研究会"}),
        ({"division": "510107"}, {"本会软件行业协会", "本会养老服务中心"}),
        ({"division": "510700"}, {"本会文化研究会"}),
        ({"status__exact": "abnormal"}, {"本会养老服务中心"}),
        ({"covered": "party"}, {"本会软件行业协会"}),
        ({"covered": "instructor"}, {"本会文化研究会"}),
        ({"covered": "none"}, {"本会社区发展基金会", "本会养老服务中心"}),
        ({"is_trade_association__exact": "1"}, {"本会软件行业协会"}),
        ({"covered": "none", "division": "510107"}, {"本会养老服务中心"}),
        ({"q": "基金会"}, {"本会社区发展基金会"}),
        ({"q": "他会"}, set()),
    ],
)
def test_list_filters_and_search(staff_client, registers, query, expected):
    assert {o.name for o in _rows(staff_client.get(admin_url("socialorganization"), query))} == expected


def test_the_division_filter_offers_only_divisions_in_use(staff_client, registers):
    response = staff_client.get(admin_url("socialorganization"))
    spec = next(
        f for f in response.context["cl"].filter_specs if getattr(f, "parameter_name", "") == "division"
    )
    assert [code for code, _label in spec.lookup_choices] == ["510104", "510107", "510700"]


def test_search_by_exact_uscc(staff_client, committee, other_committee, registers):
    own = registers[committee.pk]["orgs"][2]
    assert [o.pk for o in _rows(staff_client.get(admin_url("socialorganization"), {"q": own.uscc}))] == [
        own.pk
    ]
    assert [
        o.pk for o in _rows(staff_client.get(admin_url("socialorganization"), {"q": own.uscc.lower()}))
    ] == [own.pk]
    assert (
        _rows(staff_client.get(admin_url("socialorganization"), {"q": own.uscc[:10]})) == []
    )  # exact, not prefix
    foreign = registers[other_committee.pk]["orgs"][2]
    assert _rows(staff_client.get(admin_url("socialorganization"), {"q": foreign.uscc})) == []


def test_admin_changelist_queries_do_not_grow(staff_client, committee):
    factories.SocialOrganizationFactory.create_batch(5, committee=committee)

    def count(query):
        with CaptureQueriesContext(connection) as ctx:
            assert staff_client.get(admin_url("socialorganization"), query).status_code == 200
        return len(ctx.captured_queries)

    small = [count(q) for q in ({}, {"covered": "none"}, {"q": "测试"})]
    factories.SocialOrganizationFactory.create_batch(70, committee=committee)
    assert [count(q) for q in ({}, {"covered": "none"}, {"q": "测试"})] == small


# --- who may enter ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["secretary", "inspector"])
def test_secretaries_and_inspectors_cannot_enter_the_admin(login, secretary_user, inspector_user, who):
    user = {"secretary": secretary_user, "inspector": inspector_user}[who]
    client = login(user)
    for url in (reverse("admin:index"), admin_url("socialorganization")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.parametrize("who", ["secretary", "inspector"])
def test_even_with_the_staff_flag_other_roles_see_no_admin_models(login, secretary_user, inspector_user, who):
    user = {"secretary": secretary_user, "inspector": inspector_user}[who]
    user.is_staff = True
    user.save()
    client = login(user)
    assert client.get(reverse("admin:index")).context["app_list"] == []
    for model in ("socialorganization", "partyorganization", "member", "user", "auditentry"):
        assert client.get(admin_url(model)).status_code == 403


def test_staff_cannot_grant_superuser_or_move_a_user_to_another_committee(
    staff_client, committee, other_committee, registers
):
    sec = registers[committee.pk]["secretary"]
    response = staff_client.post(
        admin_url("user", "change", sec.pk),
        {
            "username": sec.username,
            "display_name": "改名",
            "email": "",
            "role": Role.STAFF,
            "party_organization": "",
            "is_active": "on",
            "is_superuser": "on",
            "committee": other_committee.pk,
            "last_login_0": "",
            "last_login_1": "",
            "date_joined_0": "2024-01-01",
            "date_joined_1": "00:00:00",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    sec.refresh_from_db()
    assert (sec.display_name, sec.role, sec.committee_id, sec.is_superuser) == (
        "改名",
        Role.STAFF,
        committee.pk,
        False,
    )
    assert sec.is_staff  # committee staff use the admin


def test_staff_add_a_secretary_for_their_branch(staff_client, committee, registers):
    po = registers[committee.pk]["po"]
    response = staff_client.post(
        admin_url("user", "add"),
        {
            "username": "new-sec",
            "password1": "Xx-long-enough-9",
            "password2": "Xx-long-enough-9",
            "usable_password": "true",
            "display_name": "新书记",
            "role": Role.SECRETARY,
            "party_organization": po.pk,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(username="new-sec")
    assert (user.committee_id, user.party_organization_id, user.is_staff) == (committee.pk, po.pk, False)


def test_a_secretary_without_a_branch_is_a_form_error(staff_client, committee):
    response = staff_client.post(
        admin_url("user", "add"),
        {
            "username": "no-branch",
            "password1": "Xx-long-enough-9",
            "password2": "Xx-long-enough-9",
            "usable_password": "true",
            "role": Role.SECRETARY,
            "party_organization": "",
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert not User.objects.filter(username="no-branch").exists()


# --- audit entries --------------------------------------------------------------------------------


def test_audit_entries_cannot_be_changed_or_deleted_in_the_admin(staff_client, committee, registers):
    entry = AuditEntry.objects.filter(committee=committee).first()
    assert staff_client.get(admin_url("auditentry", "change", entry.pk)).status_code == 200  # read only
    assert staff_client.post(admin_url("auditentry", "change", entry.pk), {"action": "x"}).status_code == 403
    assert staff_client.post(admin_url("auditentry", "delete", entry.pk), {"post": "yes"}).status_code == 403
    assert staff_client.get(admin_url("auditentry", "add")).status_code == 403
    staff_client.post(
        admin_url("auditentry"), {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"}
    )
    entry.refresh_from_db()
    assert entry.action != "x"


def test_audit_entries_cannot_be_changed_or_deleted_by_the_model(committee, registers):
    entry = AuditEntry.objects.filter(committee=committee).first()
    entry.action = "tampered"
    with pytest.raises(ValidationError):
        entry.save()
    with pytest.raises(ValidationError):
        entry.delete()
    entry.refresh_from_db()
    assert entry.action != "tampered"


def _org_post(**fields):
    data = {
        "name": "成都市武侯社区发展基金会",
        "uscc": "",
        "org_type": "",
        "division_code": "",
        "address": "武侯区",
        "status": OrgStatus.ACTIVE,
        "candidates_vetted": "unknown",
    }
    data.update(fields)
    return data


def test_saving_an_organisation_in_the_admin_writes_an_audit_entry(staff_client, staff_user, committee):
    code = make_uscc("53510107MJ0000001")
    response = staff_client.post(admin_url("socialorganization", "add"), _org_post(uscc=code))
    assert response.status_code == 302, response.context["adminform"].form.errors
    org = SocialOrganization.objects.get(uscc=code)
    created = AuditEntry.objects.get(action="socialorganization.create", target_id=str(org.pk))
    assert (created.actor, created.committee_id, created.after["name"]) == (
        staff_user,
        committee.pk,
        org.name,
    )

    data = _org_post(
        uscc=code,
        name="成都市武侯社区发展基金会（更名）",
        org_type=org.org_type,
        division_code=org.division_code,
    )
    response = staff_client.post(admin_url("socialorganization", "change", org.pk), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    updated = AuditEntry.objects.get(action="socialorganization.update", target_id=str(org.pk))
    assert updated.before == {"name": "成都市武侯社区发展基金会"}
    assert updated.after == {"name": "成都市武侯社区发展基金会（更名）"}


def test_the_admin_derives_type_and_division_from_a_civil_affairs_code(staff_client, committee):
    code = make_uscc("52510107MJ0000002")
    response = staff_client.post(
        admin_url("socialorganization", "add"),
        _org_post(uscc=f" {code.lower()} ", org_type=OrgType.FOUNDATION),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    org = SocialOrganization.objects.get(uscc=code)
    assert (org.committee_id, org.org_type, org.division_code) == (
        committee.pk,
        OrgType.PRIVATE_NON_ENTERPRISE,
        "510107",
    )


def test_the_admin_keeps_the_chosen_type_for_other_codes(staff_client):
    response = staff_client.post(
        admin_url("socialorganization", "add"), _org_post(uscc="91350100M000100Y43", org_type=OrgType.OTHER)
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    org = SocialOrganization.objects.get(uscc="91350100M000100Y43")
    assert (org.org_type, org.division_code) == (OrgType.OTHER, "350100")


def test_the_admin_asks_for_a_type_when_the_code_does_not_give_one(staff_client):
    response = staff_client.post(admin_url("socialorganization", "add"), _org_post(uscc="91350100M000100Y43"))
    assert response.status_code == 200
    assert "org_type" in response.context["adminform"].form.errors


@pytest.mark.parametrize(
    "code, error_code",
    [
        ("53510107MJ0000001X", "uscc_check"),
        ("53510107MJ000001", "uscc_length"),
        ("53510107MJ00000I1X", "uscc_character"),
    ],
)
def test_the_admin_shows_the_uscc_rule_that_failed(staff_client, code, error_code):
    response = staff_client.post(admin_url("socialorganization", "add"), _org_post(uscc=code))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors.as_data()["uscc"]
    assert error_code in [e.code for e in errors]


def test_audit_entries_hold_no_password_hashes(staff_client, committee, registers):
    response = staff_client.post(
        admin_url("user", "add"),
        {
            "username": "new-staff",
            "password1": "Xx-long-enough-9",
            "password2": "Xx-long-enough-9",
            "usable_password": "true",
            "display_name": "新同事",
            "role": Role.STAFF,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    new = User.objects.get(username="new-staff")
    staff_client.post(admin_url("user", "delete", new.pk), {"post": "yes"})
    assert not User.objects.filter(username="new-staff").exists()
    sec = registers[committee.pk]["secretary"]
    staff_client.post(
        admin_url("user", "change", sec.pk),
        {
            "username": sec.username,
            "display_name": "改名",
            "email": "",
            "role": Role.SECRETARY,
            "party_organization": sec.party_organization_id,
            "is_active": "on",
            "date_joined_0": "2024-01-01",
            "date_joined_1": "00:00:00",
        },
    )
    entries = AuditEntry.objects.filter(target_type="branches.user")
    assert sorted(e.action for e in entries) == ["user.create", "user.delete", "user.update"]
    for e in entries:
        assert "password" not in (e.before or {}) and "password" not in (e.after or {})


def test_member_and_instructor_admin_writes_are_audited(staff_client, committee, registers):
    po = registers[committee.pk]["po"]
    response = staff_client.post(
        admin_url("member", "add"),
        {
            "party_organization": po.pk,
            "name": "新党员",
            "membership": "full",
            "role": "member",
            "joined_on": "2015-07-01",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    member = Member.objects.get(name="新党员")
    assert (
        AuditEntry.objects.get(action="member.create", target_id=str(member.pk)).committee_id == committee.pk
    )
    org = registers[committee.pk]["orgs"][1]
    response = staff_client.post(
        admin_url("instructor", "add"),
        {
            "name": "新指导员",
            "kind": "instructor",
            "phone": "",
            "organizations": [org.pk],
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    ins = Instructor.objects.get(name="新指导员")
    assert ins.committee == committee
    assert AuditEntry.objects.filter(action="instructor.create", target_id=str(ins.pk)).exists()


def test_a_second_secretary_is_a_form_error_in_the_admin(staff_client, committee, registers):
    po = registers[committee.pk]["po"]
    response = staff_client.post(
        admin_url("member", "add"),
        {
            "party_organization": po.pk,
            "name": "第二书记",
            "membership": "full",
            "role": "secretary",
        },
    )
    assert response.status_code == 200
    assert "一个党组织只能有一名书记" in str(response.context["adminform"].form.errors)


def test_the_admin_does_not_say_that_another_committee_has_the_code(staff_client, committee, other_committee):
    theirs = factories.SocialOrganizationFactory(committee=other_committee)
    ours = factories.SocialOrganizationFactory(committee=committee)
    response = staff_client.post(admin_url("socialorganization", "add"), _org_post(uscc=theirs.uscc))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["uscc"] == [
        "该统一社会信用代码不能在此导入，请联系登记管理部门。"
    ]
    assert "已存在" not in response.content.decode()
    response = staff_client.post(admin_url("socialorganization", "add"), _org_post(uscc=ours.uscc))
    assert response.context["adminform"].form.errors["uscc"] == [
        f"统一社会信用代码 {ours.uscc} 已在本综合党委登记，不能重复导入。"
    ]
    assert SocialOrganization.objects.filter(uscc__in=[theirs.uscc, ours.uscc]).count() == 2


def test_the_read_only_admins_let_nobody_write_not_even_a_superuser(rf):
    from django.contrib import admin as django_admin

    from branches.models import AuditEntry
    from ratings.models import FinalScore, Submission
    from starfire.models import LoginFailure

    request = rf.get("/")
    request.user = factories.UserFactory(is_superuser=True, is_staff=True)
    for model in (AuditEntry, Submission, FinalScore, LoginFailure):
        model_admin = django_admin.site._registry[model]
        assert not model_admin.has_add_permission(request), model
        assert not model_admin.has_change_permission(request), model
        assert not model_admin.has_delete_permission(request), model
