"""Role checks for views: wrong role → 403, object outside the user's scope → 404."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from .models import Role


def role_required(*roles: str):
    """Logged in (else redirect to login) and holding one of `roles` (else 403).

    Superusers pass as committee staff for pages that take staff.
    """

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(request, *args, **kwargs):
            user = request.user
            allowed = user.role in roles and (user.committee_id or user.party_organization_id)
            if user.is_superuser and Role.STAFF in roles:
                allowed = True
            if not allowed:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


staff_required = role_required(Role.STAFF)
