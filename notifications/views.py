from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import services
from .models import EmailPreference, Kind, Notification
from .roles import kinds_for

INBOX_PAGE_SIZE = 30


@login_required
def inbox(request):
    unread_only = request.GET.get("unread") == "1"
    qs = Notification.objects.filter(recipient=request.user)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    page = Paginator(qs, INBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/inbox.html",
        {"page": page, "unread_only": unread_only, "query": "unread=1" if unread_only else ""},
    )


@login_required
def open_notification(request, pk):
    """Show one notice. Reading it changes nothing: it is marked read by the POST of `read`."""
    n = get_object_or_404(Notification, pk=pk, recipient=request.user)
    return render(request, "notifications/detail.html", {"n": n, "target": _target(request, n)})


@login_required
@require_POST
def read(request, pk):
    """Mark one notice read and go to what it is about (or back to the inbox)."""
    n = get_object_or_404(Notification, pk=pk, recipient=request.user)
    services.notification_mark_read(notification=n)
    return redirect(_target(request, n) or "notifications:inbox")


def _target(request, n: Notification) -> str:
    if n.url and url_has_allowed_host_and_scheme(n.url, allowed_hosts={request.get_host()}):
        return n.url
    return ""


@login_required
@require_POST
def mark_all_read(request):
    services.notifications_mark_all_read(user=request.user)
    return redirect("notifications:inbox")


@login_required
def preferences(request):
    kinds = kinds_for(request.user)
    current = dict(EmailPreference.objects.filter(user=request.user).values_list("kind", "send_email"))
    if request.method == "POST":
        services.email_preferences_set(
            user=request.user, choices={k: request.POST.get(f"kind_{k}") == "on" for k in kinds}
        )
        messages.success(request, _("邮件设置已保存。"))
        return redirect("notifications:preferences")
    rows = [(k, Kind(k).label, current.get(k, True)) for k in kinds]
    return render(request, "notifications/preferences.html", {"rows": rows})
