"""Subprocess for measurement 4: export a year's activity sheet to XLSX as the report view does (write-only
workbook into a temporary file) and report, as JSON, how far the export itself raised this process's memory.

Each export runs in a fresh process (this one), so nothing the parent built (the dataset, earlier exports)
is in its memory. After the set-up (Django, the imports, the report the export is built from) the probe
reads its resident size (VmRSS) as the baseline and resets the kernel's high-water mark (writing 5 to
/proc/self/clear_refs, Linux ≥ 4.0); after the export, VmHWM is the peak reached during the export alone,
and growth = peak − baseline. Where the mark cannot be reset, a sampler thread reads VmRSS every 5 ms
during the export instead (a peak between two samples can be missed); `peak_source` says which.

`python -m bench.xlsx_probe --database-url URL --fiscal-year 2025 --rows 200000`

The row count is set by capping the export's own row source (reports.selectors.counted_activity_rows) with
islice, so the code measured is exactly the export's; only how many rows it is fed changes.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import itertools
import json
import re
import resource
import sys
import tempfile
import threading
import time
from contextlib import contextmanager

from . import env


def _status_mb(field: str) -> float:
    """VmRSS / VmHWM of this process from /proc/self/status, in MB."""
    with open("/proc/self/status") as status:
        match = re.search(rf"^{field}:\s+(\d+) kB", status.read(), flags=re.MULTILINE)
    return int(match.group(1)) / 1024


def _process_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def _reset_high_water_mark() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")  # reset VmHWM to the current RSS
    except OSError:
        return False
    return _status_mb("VmHWM") <= _status_mb("VmRSS") + 1


class _Sampler(threading.Thread):
    """Fallback: the highest VmRSS seen every 5 ms while the export runs."""

    def __init__(self):
        super().__init__(daemon=True)
        self.peak = _status_mb("VmRSS")
        self.done = threading.Event()

    def run(self):
        while not self.done.wait(0.005):
            self.peak = max(self.peak, _status_mb("VmRSS"))

    def stop(self) -> float:
        self.done.set()
        self.join()
        return max(self.peak, _status_mb("VmRSS"))


class Growth:
    """The RSS growth of the work inside `memory_growth()`: its baseline, its peak, how long it took."""

    baseline = peak = seconds = 0.0
    source = ""

    def as_dict(self, name: str) -> dict:
        return {
            f"rss_before_{name}_mb": round(self.baseline, 1),
            f"{name}_peak_rss_mb": round(self.peak, 1),
            f"{name}_growth_mb": round(max(0.0, self.peak - self.baseline), 1),
            "peak_source": self.source,
            "process_peak_rss_mb": round(_process_peak_mb(), 1),
            "seconds": round(self.seconds, 2),
        }


@contextmanager
def memory_growth():
    """Measure the block alone: collect garbage, read VmRSS as the baseline and reset the kernel's
    high-water mark (or sample VmRSS every 5 ms where it cannot be reset); the peak is read after it."""
    growth = Growth()
    gc.collect()
    growth.baseline = _status_mb("VmRSS")
    sampler = None if _reset_high_water_mark() else _Sampler()
    if sampler:
        sampler.start()
    started = time.perf_counter()
    yield growth
    growth.seconds = time.perf_counter() - started
    growth.peak = sampler.stop() if sampler else _status_mb("VmHWM")
    growth.source = "sampled VmRSS" if sampler else "VmHWM"


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
    with memory_growth() as growth, tempfile.TemporaryFile() as spool:
        exports.export_xlsx(report, spool, with_activities=True)
        size = spool.tell()
    json.dump({"rows": written, **growth.as_dict("export"), "bytes": size}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
