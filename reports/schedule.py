"""Celery beat entries of this app (merged in config/celery_app.py)."""

BEAT_SCHEDULE: dict = {}
