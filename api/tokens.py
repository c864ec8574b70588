"""Making, finding and revoking personal API tokens. Only the SHA-256 of a key is stored: the key
has 256 random bits, so a fast hash is enough, and a lookup is one indexed query."""

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.services import audit_record

from .models import ApiToken

KEY_PREFIX = "sf_"
# last_used_at is written at most this often per token, not on every request.
LAST_USED_EVERY = dt.timedelta(minutes=1)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _committee_id(user) -> int | None:
    if user.committee_id:
        return user.committee_id
    po = getattr(user, "party_organization", None)
    return po.committee_id if po is not None else None


def token_create(*, user, name: str, days: int | None = None) -> tuple[ApiToken, str]:
    """A new token for `user`; returns it with its key, which is never shown again."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("请填写令牌名称。")})
    if len(name) > 100:
        raise ValidationError({"name": _("令牌名称不能超过100字。")})
    days = settings.API_TOKEN_DEFAULT_DAYS if days is None else days
    if not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
        raise ValidationError(
            {"days": _("有效天数应在1到%(max)s之间。") % {"max": settings.API_TOKEN_MAX_DAYS}}
        )
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name,
            prefix=key[:10],
            key_hash=key_hash(key),
            expires_at=timezone.now() + dt.timedelta(days=days),
        )
        audit_record(
            actor=user,
            action="api_token.create",
            target=token,
            after={"name": name, "expires_at": token.expires_at.isoformat()},
            committee_id=_committee_id(user),
        )
    return token, key


def token_revoke(*, token: ApiToken, by) -> ApiToken:
    """The owner stops a token at once; a revoked token stays listed, unusable."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.user_id != by.pk:
            raise PermissionDenied(_("只能撤销自己的令牌。"))
        if token.revoked_at is not None:
            raise ValidationError(_("该令牌已撤销。"))
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=by, action="api_token.revoke", target=token, committee_id=_committee_id(by))
    return token


def token_for_key(key: str) -> ApiToken | None:
    """The live token with this key (not revoked, not expired, its user active), or None."""
    if not key or len(key) > 200:
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=key_hash(key)).first()
    if token is None or not token.is_live or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_EVERY:
        # A plain UPDATE: a token is not a domain record (no history), and racing requests agree.
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
