"""The inspector's installable web app: its manifest and its service worker.

Neither carries any data: the manifest names the app and its icons, the service worker (rendered
from templates/ratings/inspector/sw.js with the current static file names) keeps the inspection
pages and their static files on the device, per user (see docs/offline.md). Both are public, as
static files are; the pages they keep are not.
"""

import hashlib
import json

from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

# The app shell: what the inspection pages load, kept on the device when the worker installs.
SHELL = (
    "css/starfire.css",
    "css/inspection.css",
    "js/starfire.js",
    "js/inspection.js",
    "js/offline.js",
    "js/logout.js",
    "icons/inspector-192.png",
    "icons/inspector-512.png",
)
# The response header naming the user a kept page belongs to (the worker keys its caches by it).
USER_HEADER = "X-Starfire-User"


def for_device(response, user):
    """Mark an inspector's page as one the device may keep for this user."""
    response[USER_HEADER] = str(user.pk)
    return response


@require_GET
def manifest(request):
    scope = reverse("ratings:inspections")
    data = {
        "name": _("星火评星 · 实地验收"),
        "short_name": _("实地验收"),
        "lang": get_language(),
        "start_url": scope,
        "scope": scope,
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#b71c1c",
        "icons": [
            {"src": static(f"icons/inspector-{n}.png"), "sizes": f"{n}x{n}", "type": "image/png"}
            for n in (192, 512)
        ],
    }
    return JsonResponse(
        data, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False}
    )


@require_GET
def service_worker(request):
    shell = [static(path) for path in SHELL]
    body = render_to_string(
        "ratings/inspector/sw.js",
        {
            "shell": json.dumps(shell),
            "static_prefix": json.dumps(static("")),
            "user_header": json.dumps(USER_HEADER),
            # A new set of static file names is a new worker (and a new static cache).
            "version": hashlib.sha256("\n".join(shell).encode()).hexdigest()[:12],
        },
    )
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response
