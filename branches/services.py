"""Every write to the register goes through here."""

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.forms.models import model_to_dict
from django.utils.translation import gettext as _

from core import limits

from .models import (
    AuditEntry,
    Instructor,
    Member,
    PartyOrganization,
    SocialOrganization,
    User,
    validate_coverage,
)


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
        note=note[: limits.AUDIT_NOTE],
    )


def record_save(
    obj: models.Model, *, by: User | None, note: str = "", committee_id=None, clean: bool = False
):
    """Save any row and write its audit entry (`<model>.create` or `<model>.update`) in one transaction.

    The row history (django-simple-history) is written by the save itself; this adds the business
    entry with who, why and the changed fields. `clean=True` validates the whole row first."""
    model = type(obj)
    if by is not None and getattr(obj, "_history_user", None) is None:
        obj._history_user = by  # the row history names who, also outside a request
    with transaction.atomic():
        before = None
        if not obj._state.adding:
            old = model._default_manager.select_for_update().filter(pk=obj.pk).first()
            before = snapshot(old) if old is not None else None
        if clean:
            obj.full_clean()
        obj.save()
        audit_record(
            actor=by,
            action=f"{model._meta.model_name}.{'update' if before is not None else 'create'}",
            target=obj,
            before=before,
            after=snapshot(obj),
            note=note,
            committee_id=committee_id,
        )
    return obj


def record_delete(obj: models.Model, *, by: User | None, note: str = "", committee_id=None) -> None:
    """Delete a row, recording what it was (`<model>.delete`)."""
    if by is not None and getattr(obj, "_history_user", None) is None:
        obj._history_user = by
    with transaction.atomic():
        audit_record(
            actor=by,
            action=f"{obj._meta.model_name}.delete",
            target=obj,
            before=snapshot(obj),
            note=note,
            committee_id=committee_id,
        )
        obj.delete()


def organization_save(
    *, organization: SocialOrganization, by: User | None, note: str = ""
) -> SocialOrganization:
    """Create or change a social organisation after full validation."""
    return record_save(organization, by=by, note=note, clean=True)


def party_organization_save(
    *, party_organization: PartyOrganization, by: User | None, note: str = ""
) -> PartyOrganization:
    """Create or change a party organisation (its coverage: party_organization_set_organizations)."""
    return record_save(party_organization, by=by, note=note, clean=True)


def member_save(*, member: Member, by: User | None, note: str = "") -> Member:
    """Create or change a party member of a party organisation."""
    return record_save(
        member, by=by, note=note, clean=True, committee_id=member.party_organization.committee_id
    )


def instructor_save(*, instructor: Instructor, by: User | None, note: str = "") -> Instructor:
    """Create or change an instructor/liaison (assignment: instructor_set_organizations)."""
    return record_save(instructor, by=by, note=note, clean=True)


def party_organization_set_organizations(
    *, party_organization: PartyOrganization, organizations, by: User | None, note: str = ""
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
                note=note,
            )
    return po


def instructor_set_organizations(*, instructor: Instructor, organizations, by: User | None, note: str = ""):
    """Assign an instructor/liaison; only to organisations without a party organisation."""
    organizations = list(organizations)
    with transaction.atomic():
        ins = Instructor.objects.select_for_update().get(pk=instructor.pk)
        foreign = [o.name for o in organizations if o.committee_id != ins.committee_id]
        if foreign:
            raise ValidationError(
                _("所选社会组织不属于本综合党委：%(names)s") % {"names": "、".join(foreign)}
            )
        already = list(
            SocialOrganization.objects.filter(pk__in=[o.pk for o in organizations])
            .with_coverage()
            .filter(has_party_org=True)
            .exclude(instructors=ins)
            .values_list("name", flat=True)
        )
        if already:
            raise ValidationError(
                _("以下社会组织已有党组织，不需要指派指导员/联络员：%(names)s")
                % {"names": "、".join(already)}
            )
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
                note=note,
            )
    return ins
