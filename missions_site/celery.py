"""The Celery app: tasks are discovered in each Django app's tasks.py; configuration from settings."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "missions_site.settings.dev")

app = Celery("missions")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
