"""The API's documentation pages: Swagger UI and Redoc from the project's own static files
(drf-spectacular-sidecar), their start scripts separate files, so the pages keep the site's
Content-Security-Policy; each allows only what its viewer needs in addition (below)."""

from csp.constants import NONCE
from csp.decorators import csp_update
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView

_swagger_ui = SpectacularSwaggerSplitView.as_view(
    url_name="api:schema",
    template_name="api/swagger_ui.html",
    permission_classes=[],
    authentication_classes=[],
)
_redoc = SpectacularRedocView.as_view(
    url_name="api:schema",
    template_name="api/redoc.html",
    permission_classes=[],
    authentication_classes=[],
)


# Swagger UI's stylesheet embeds its icons as data: images.
@csp_update({"img-src": ["data:"]})
def swagger_ui(request, *args, **kwargs):
    return _swagger_ui(request, *args, **kwargs)


# What Redoc needs beyond the site's policy, on this page only (nothing from outside, no
# 'unsafe-inline'):
# - style-src: Redoc builds its styles at run time as <style> elements, which carry the page's nonce
#   (the start script passes it on). One it adds before it starts, the scrollbar's stylesheet, cannot
#   carry the nonce: it is allowed by its hash (and the empty element it starts as by the hash of
#   nothing). A new Redoc bundle may change that hash: the browser test then fails and Chromium's
#   message names the new one.
# - worker-src blob: its search index runs in a web worker made from a blob: URL of code in its own
#   bundle.
# - img-src data: its stylesheets embed icons as data: images.
# Its footer's logo, an image from outside, stays refused (Redoc then leaves it out).
_REDOC_STYLE_HASHES = [
    "'sha256-QMIg+bpjm3JdElJ388KYke01izlUW0UoNOeKjpMxdgc='",  # perfect-scrollbar.css as Redoc adds it
    "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",  # the empty string
]


@csp_update({"style-src": [NONCE, *_REDOC_STYLE_HASHES], "worker-src": ["blob:"], "img-src": ["data:"]})
def redoc(request, *args, **kwargs):
    return _redoc(request, *args, **kwargs)
