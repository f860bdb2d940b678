"""The app's URLs plus one bench-only endpoint, mounted only under bench.settings (bench/server.py).

`POST /bench/durable-write/` is the second yardstick of measurement 3: the least a durable write through the
same stack costs — the same middleware, DRF's token authentication and permission check, one INSERT (an
audit row, the row every write of the app also makes, written as casework.audit writes it) in a
transaction, a synchronous commit and a small JSON answer. config.urls does not include it, so the app, the
access matrix and the URL tests never see it.
"""

from django.db import transaction
from django.urls import path
from django.utils import timezone
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.models import AuditEvent
from config.inserts import insert_new
from config.urls import handler404, handler500  # noqa: F401 - handlers
from config.urls import urlpatterns as app_urlpatterns

BENCH_ACTION = "bench.durable_write"


class DurableWriteApi(APIView):
    """One INSERT and one commit, after the app's token authentication."""

    def post(self, request):
        with transaction.atomic():
            event = insert_new(  # as casework.audit.record writes its rows
                AuditEvent(
                    at=timezone.now(),
                    actor=request.user,
                    actor_username=request.user.username,
                    action=BENCH_ACTION,
                    object_type="bench",
                    changes={},
                )
            )
        return Response({"id": event.pk}, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("bench/durable-write/", DurableWriteApi.as_view(), name="bench-durable-write"),
    *app_urlpatterns,
]
