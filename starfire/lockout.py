"""The page a locked-out login gets (django-axes' AXES_LOCKOUT_CALLABLE), for /login/ and the admin.

It says until when the lock lasts: the lock runs AXES_COOLOFF_TIME from the last counted
failure of this username from this address (failures while locked are not counted).
"""

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off, get_failure_limit
from django.db.models import Max
from django.shortcuts import render
from django.utils import timezone


def locked_until(request, credentials=None):
    """When the lock on this request's username and address ends."""
    last = None
    for attempts in AxesDatabaseHandler().get_user_attempts(request, credentials):
        latest = attempts.aggregate(latest=Max("attempt_time"))["latest"]
        if latest and (last is None or latest > last):
            last = latest
    return (last or timezone.now()) + get_cool_off(request)


def lockout_response(request, original_response=None, credentials=None):
    context = {
        "until": locked_until(request, credentials),
        "failure_limit": get_failure_limit(request, credentials),
        "admin": request.path.startswith("/admin/"),
    }
    return render(request, "registration/locked_out.html", context, status=429)
