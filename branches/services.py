"""Every write to the register goes through here."""

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.forms.models import model_to_dict

from .models import AuditEntry, Instructor, PartyOrganization, SocialOrganization, User, validate_coverage


def _jsonable(value):
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def snapshot(instance: models.Model, fields=None) -> dict:
    """A JSON-safe picture of a row for the audit log."""
    data = model_to_dict(instance, fields=fields)
    data.pop("password", None)  # a password hash does not belong in a log that staff can read
    return {k: _jsonable(v) for k, v in data.items() if not hasattr(v, "url")}


def audit_record(
    *,
    actor: User | None,
    action: str,
    target: models.Model,
    before=None,
    after=None,
    note: str = "",
    committee_id: int | None = None,
) -> AuditEntry:
    if committee_id is None:
        committee_id = getattr(target, "committee_id", None)
    if before is not None and after is not None:
        changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
        before = {k: before.get(k) for k in sorted(changed)}
        after = {k: after.get(k) for k in sorted(changed)}
    return AuditEntry.objects.create(
        committee_id=committee_id,
        actor=actor if actor is not None and actor.pk else None,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        target_repr=str(target)[:300],
        before=before,
        after=after,
        note=note,
    )


def organization_save(*, organization: SocialOrganization, by: User | None) -> SocialOrganization:
    """Create or change a social organisation after full validation."""
    with transaction.atomic():
        before = None
        if organization.pk:
            old = SocialOrganization.objects.select_for_update().get(pk=organization.pk)
            before = snapshot(old)
        organization.full_clean()
        organization.save()
        audit_record(
            actor=by,
            action="organization.update" if before else "organization.create",
            target=organization,
            before=before,
            after=snapshot(organization),
        )
    return organization


def party_organization_set_organizations(
    *, party_organization: PartyOrganization, organizations, by: User | None
):
    """Which social organisations a party organisation covers; the kind decides how many."""
    organizations = list(organizations)
    with transaction.atomic():
        po = PartyOrganization.objects.select_for_update().get(pk=party_organization.pk)
        validate_coverage(po.kind, organizations, po.committee)
        before = sorted(po.organizations.values_list("pk", flat=True))
        po.organizations.set(organizations)
        after = sorted(o.pk for o in organizations)
        if before != after:
            audit_record(
                actor=by,
                action="party_organization.coverage",
                target=po,
                before={"organizations": before},
                after={"organizations": after},
            )
    return po


def instructor_set_organizations(*, instructor: Instructor, organizations, by: User | None):
    """Assign an instructor/liaison; only to organisations without a party organisation."""
    organizations = list(organizations)
    with transaction.atomic():
        ins = Instructor.objects.select_for_update().get(pk=instructor.pk)
        foreign = [o.name for o in organizations if o.committee_id != ins.committee_id]
        if foreign:
            raise ValidationError("所选社会组织不属于本综合党委：%s" % "、".join(foreign))
        already = list(
            SocialOrganization.objects.filter(pk__in=[o.pk for o in organizations])
            .with_coverage()
            .filter(has_party_org=True)
            .exclude(instructors=ins)
            .values_list("name", flat=True)
        )
        if already:
            raise ValidationError("以下社会组织已有党组织，不需要指派指导员/联络员：%s" % "、".join(already))
        before = sorted(ins.organizations.values_list("pk", flat=True))
        ins.organizations.set(organizations)
        after = sorted(o.pk for o in organizations)
        if before != after:
            audit_record(
                actor=by,
                action="instructor.assign",
                target=ins,
                before={"organizations": before},
                after={"organizations": after},
            )
    return ins
