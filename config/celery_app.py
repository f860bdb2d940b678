"""One Celery app for the project, configured from Django settings (CELERY_* names).

Periodic jobs are a static schedule in code: each app lists its own in `<app>/schedule.py`.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("yorisoi")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _beat_schedule() -> dict:
    from referrals.schedule import BEAT_SCHEDULE as referrals_schedule
    from reports.schedule import BEAT_SCHEDULE as reports_schedule

    return {**referrals_schedule, **reports_schedule}


app.conf.beat_schedule = _beat_schedule()
