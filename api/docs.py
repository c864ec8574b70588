"""The API's documentation page: Swagger UI from the project's own static files (drf-spectacular-
sidecar), its start script a separate file, so the page keeps the site's Content-Security-Policy
(only the stylesheet's embedded data: images are allowed in addition)."""

from csp.decorators import csp_update
from drf_spectacular.views import SpectacularSwaggerSplitView

_view = SpectacularSwaggerSplitView.as_view(
    url_name="api:schema",
    template_name="api/swagger_ui.html",
    permission_classes=[],
    authentication_classes=[],
)


@csp_update({"img-src": ["data:"]})
def swagger_ui(request, *args, **kwargs):
    return _view(request, *args, **kwargs)
