"""The yearly national figures' page, its A4 print version and its downloads (CSV with BOM, XLSX).

Same readers as the other reports (managers and coordinators; anyone else 404); downloads and prints are
audited as report.export / report.print like the 延件数 report's.
"""

from __future__ import annotations

import io
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from config.db_router import replica_reads
from network.fiscal import reiwa_label
from network.models import Area

from . import national_exports, selectors, services
from .access import bad_request_page, reports_viewer_required, requested_fiscal_year
from .forms import NationalFiguresForm
from .indicators import NATIONAL_FIGURES
from .national import national_figures, parse_area


def _figures(request: HttpRequest) -> dict:
    fiscal_year = requested_fiscal_year(request)
    area = parse_area(request.GET.get("area"))
    with replica_reads():  # aggregates read from the replica when one is configured (DESIGN.md §5)
        return national_figures(fiscal_year=fiscal_year, area=area)


def _query(fiscal_year: int, area: str | None) -> str:
    return urlencode({"fiscal_year": fiscal_year, **({"area": area} if area else {})})


def _context(request: HttpRequest, report: dict) -> dict:
    fiscal_year, area = report["fiscal_year"], report["area"]
    years = sorted({*selectors.available_fiscal_years(), fiscal_year}, reverse=True)
    return {
        "report": report,
        "query": _query(fiscal_year, area),
        "form": NationalFiguresForm(
            initial={"fiscal_year": fiscal_year, "area": area or ""}, years=years, areas=Area.objects.all()
        ),
        "previous_label": reiwa_label(fiscal_year - 1),
        "next_label": reiwa_label(fiscal_year + 1),
        "previous_query": _query(fiscal_year - 1, area),
        "next_query": _query(fiscal_year + 1, area),
    }


@reports_viewer_required
@require_GET
def national(request: HttpRequest) -> HttpResponse:
    """The year's figures in the national frame: months April → March and the year, by area or all."""
    try:
        report = _figures(request)
    except ValidationError as error:
        return bad_request_page(request, error)
    return render(request, "reports/national.html", _context(request, report))


@reports_viewer_required
@require_GET
def national_print(request: HttpRequest) -> HttpResponse:
    """The same table as one A4 landscape sheet; opening it is audited as a print."""
    try:
        report = _figures(request)
    except ValidationError as error:
        return bad_request_page(request, error)
    services.report_print_record(
        printed_by=request.user,
        fiscal_year=report["fiscal_year"],
        report=NATIONAL_FIGURES,
        area=report["area"],
    )
    return render(request, "reports/national_print.html", _context(request, report))


@reports_viewer_required
@require_GET
def national_export(request: HttpRequest) -> HttpResponse:
    """CSV (UTF-8 with BOM) or XLSX of the page's table; audited as an export."""
    fmt = request.GET.get("format", "csv")
    if fmt not in national_exports.FORMATS:
        return bad_request_page(request, ValidationError({"format": [_("Choose csv or xlsx.")]}))
    try:
        report = _figures(request)
    except ValidationError as error:
        return bad_request_page(request, error)
    services.report_export_record(
        exported_by=request.user,
        fiscal_year=report["fiscal_year"],
        fmt=fmt,
        report=NATIONAL_FIGURES,
        area=report["area"],
    )
    if fmt == "xlsx":
        buffer = io.BytesIO()
        national_exports.export_xlsx(report, buffer)
        content = buffer.getvalue()
    else:
        content = national_exports.export_csv(report)
    response = HttpResponse(content, content_type=national_exports.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{national_exports.filename(report, fmt)}"'
    response["Cache-Control"] = "no-store"
    return response
