"""The project's URLs plus the load test's baseline: a bare Django view (benchmarks/loadtest_settings.py)."""

from django.db import connection
from django.http import HttpResponse
from django.urls import path

from starfire.urls import urlpatterns as project_urlpatterns


def bare(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/bare/", bare), *project_urlpatterns]
