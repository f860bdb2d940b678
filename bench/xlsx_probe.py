"""Subprocess for measurement 4: export a year's activity sheet to XLSX as the report view does (write-only
workbook into a temporary file) and report the process's peak memory (getrusage ru_maxrss) as JSON.

`python -m bench.xlsx_probe --database-url URL --fiscal-year 2025 --rows 200000`

The row count is set by capping the export's own row source (reports.selectors.counted_activity_rows) with
islice, so the code measured is exactly the export's; only how many rows it is fed changes.
"""

from __future__ import annotations

import argparse
import datetime
import itertools
import json
import resource
import sys
import tempfile
import time

from . import env


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--fiscal-year", type=int, required=True)
    parser.add_argument("--rows", type=int, required=True)
    args = parser.parse_args(argv)
    env.prepare(args.database_url)

    from reports import exports, selectors

    report = selectors.accompanied_activity_report(
        fiscal_year=args.fiscal_year, today=datetime.date(args.fiscal_year + 1, 5, 1)
    )
    written = 0
    source = selectors.counted_activity_rows

    def capped(**kwargs):
        nonlocal written
        for row in itertools.islice(source(**kwargs), args.rows):
            written += 1
            yield row

    selectors.counted_activity_rows = capped
    before = _rss_mb()
    started = time.perf_counter()
    with tempfile.TemporaryFile() as spool:
        exports.export_xlsx(report, spool, with_activities=True)
        size = spool.tell()
    json.dump(
        {
            "rows": written,
            "peak_rss_mb": round(_rss_mb(), 1),
            "rss_before_export_mb": round(before, 1),
            "seconds": round(time.perf_counter() - started, 2),
            "bytes": size,
        },
        sys.stdout,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
