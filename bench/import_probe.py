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
import io
import json
import sys

from . import env
from .xlsx_probe import memory_growth


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
    out = io.StringIO()
    with memory_growth() as growth:
        call_command("import_ledger", args.path, area=args.area, format="json", stdout=out)
    json.dump({"summary": json.loads(out.getvalue()), **growth.as_dict("import")}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
