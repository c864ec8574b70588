"""Writes of the province view: only a superuser's choice of the committees a province user reads."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from branches import access
from branches.models import Role, User
from branches.services import audit_record


def province_committees_set(*, user: User, committees, by: User) -> User:
    """A superuser assigns the committees whose published results a province user reads."""
    access.require(by, "province.assign")
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.role != Role.PROVINCE:
            raise ValidationError(_("只有省两新工委用户可以分配综合党委。"))
        before = sorted(user.province_committees.values_list("pk", flat=True))
        user.province_committees.set(committees)
        after = sorted(c.pk for c in committees)
        audit_record(
            actor=by,
            action="province.assign",
            target=user,
            before={"province_committees": before},
            after={"province_committees": after},
        )
    return user
