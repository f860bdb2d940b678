"""Celery beat entries of this app (merged in config/celery_app.py); times are Asia/Tokyo."""

from celery.schedules import crontab

BEAT_SCHEDULE: dict = {
    "referrals-sweep-outbox": {"task": "referrals.tasks.sweep_outbox", "schedule": crontab(minute="*")},
    # Before the working day starts, so the reminders and escalations are waiting at 8:30.
    "referrals-remind-due": {
        "task": "referrals.tasks.remind_due_referrals",
        "schedule": crontab(hour=7, minute=0),
    },
    "referrals-escalate-overdue": {
        "task": "referrals.tasks.escalate_overdue",
        "schedule": crontab(hour=7, minute=10),
    },
    "referrals-expire-overdue": {
        "task": "referrals.tasks.expire_overdue",
        "schedule": crontab(hour=7, minute=20),
    },
}
