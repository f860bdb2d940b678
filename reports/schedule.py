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
    # 延件数 roll-ups: take in the changed cases every minute (readers fold the rest in themselves), fold
    # the deltas every ten minutes; recount and compare nightly (drift: an error).
    "reports-apply-rollup-changes": {
        "task": "reports.tasks.apply_rollup_changes",
        "schedule": crontab(minute="*"),
    },
    "reports-compact-rollups": {
        "task": "reports.tasks.compact_rollups",
        "schedule": crontab(minute="*/10"),
    },
    "reports-verify-rollups": {
        "task": "reports.tasks.verify_rollups",
        "schedule": crontab(minute=30, hour=3),
    },
}
