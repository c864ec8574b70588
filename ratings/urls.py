from django.urls import path  # noqa: F401

from .views import inspector, review, rubric, secretary, staff  # noqa: F401

app_name = "ratings"

urlpatterns = [
    # --- secretary (self-assessment) ---
    # --- staff (cycles, queue, preliminary check, assignment) ---
    # --- inspector (on-site acceptance) ---
    # --- review (central review, audit log, private files) ---
    # --- rubric (export/import/copy) ---
]
