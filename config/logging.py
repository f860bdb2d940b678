"""Structured (JSON) log lines with a request id, level and route — and never personal data.

Only fixed, non-personal fields are written: the route pattern (e.g. "cases/<int:case_id>/"), never the
query string or a request body; exceptions are logged by type and location, not by message text.
"""

import contextvars
import json
import logging
import time
import uuid

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


class JsonFormatter(logging.Formatter):
    SAFE_EXTRAS = (
        "route",
        "method",
        "status",
        "duration_ms",
        "user_id",
        "task",
        "task_id",
        "dependency",  # readiness: what is down, and the exception's type (config/health.py)
        "error_type",
    )

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": request_id_var.get(),
            "message": record.getMessage(),
        }
        for key in self.SAFE_EXTRAS:
            if hasattr(record, key):
                line[key] = getattr(record, key)
        if record.exc_info and record.exc_info[0] is not None:
            # Type and where it happened only: exception messages may quote user input.
            tb = record.exc_info[2]
            while tb is not None and tb.tb_next is not None:
                tb = tb.tb_next
            line["exception"] = record.exc_info[0].__name__
            if tb is not None:
                line["at"] = f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}"
        return json.dumps(line, ensure_ascii=False)


class RequestLogMiddleware:
    """Gives each request an id (from X-Request-ID or new), echoes it back, logs one access line."""

    logger = logging.getLogger("yorisoi.request")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if incoming.isascii() and 0 < len(incoming) <= 64 else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            match = getattr(request, "resolver_match", None)
            self.logger.info(
                "request",
                extra={
                    "route": match.route if match else "unmatched",
                    "method": request.method,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "user_id": getattr(getattr(request, "user", None), "pk", None),
                },
            )
            return response
        finally:
            request_id_var.reset(token)
