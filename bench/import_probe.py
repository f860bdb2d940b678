"""Subprocess for `make bench-import`: run `import_ledger` in this fresh process and report, as JSON, how far
the import itself raised the process's memory (the method of bench.xlsx_probe).

After the set-up (Django, the command's imports, a gc.collect()) the probe reads its resident size (VmRSS)
as the baseline and resets the kernel's high-water mark; after the import, VmHWM is the peak reached during
the import alone, and growth = peak − baseline. Where the mark cannot be reset a sampler thread reads VmRSS
every 5 ms instead; `peak_source` says which. The whole-process peak (ru_maxrss, set-up included) is
reported next to it.

`python -m bench.import_probe --database-url URL --area CODE PATH`
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import sys
import time

from . import env
from .xlsx_probe import _process_peak_mb, _reset_high_water_mark, _Sampler, _status_mb


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--area", required=True)
    parser.add_argument("path")
    args = parser.parse_args(argv)
    env.prepare(args.database_url)

    from django.core.management import call_command
    from django.db import connection

    from casework.management.commands import import_ledger  # noqa: F401 - imported before the baseline

    connection.ensure_connection()
    gc.collect()
    baseline = _status_mb("VmRSS")
    sampler = None if _reset_high_water_mark() else _Sampler()
    if sampler:
        sampler.start()
    out = io.StringIO()
    started = time.perf_counter()
    call_command("import_ledger", args.path, area=args.area, format="json", stdout=out)
    seconds = time.perf_counter() - started
    peak = sampler.stop() if sampler else _status_mb("VmHWM")
    json.dump(
        {
            "summary": json.loads(out.getvalue()),
            "rss_before_import_mb": round(baseline, 1),
            "import_peak_rss_mb": round(peak, 1),
            "import_growth_mb": round(max(0.0, peak - baseline), 1),
            "peak_source": "sampled VmRSS" if sampler else "VmHWM",
            "process_peak_rss_mb": round(_process_peak_mb(), 1),
            "seconds": round(seconds, 2),
        },
        sys.stdout,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
