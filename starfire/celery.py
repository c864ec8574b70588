import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "starfire.settings")

app = Celery("starfire")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The beat schedule lives here, in code; later parts add their jobs.
app.conf.beat_schedule = {}
