"""Celery beat entries of this app (merged in config/celery_app.py).

CELERY_TIMEZONE is Asia/Tokyo, so the crontab reads as Tokyo wall-clock time.
"""

from celery.schedules import crontab

BEAT_SCHEDULE: dict = {
    # 月次確定: 06:00 on the 1st, finalise the month that just ended and tell the managers where to look.
    "reports-finalise-last-month": {
        "task": "reports.tasks.finalise_last_month",
        "schedule": crontab(minute=0, hour=6, day_of_month=1),
    },
}
