"""`python -m bench [--scales 1,3] [--database-url URL] [--repeats N] [--rebuild] [--plans FILE]`

Builds (or reuses) the synthetic dataset in its own database, runs the six measurements and prints one table
of ratios against baselines measured in the same run. Exit status 0 whether or not goals are met: the figures
are for docs/benchmarks.md, not a gate.

With several scales (`--scales 1,3`), every measurement runs at the first; the report (measurement 1) runs
again at each further scale, in a child process against that scale's own cached database (the URL's name
with `_s<scale>` appended, e.g. yorisoi_bench_s3), and the table shows the report's ratio at every scale.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

from . import env


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scales",
        "--scale",
        dest="scales",
        default="1",
        help="a scale (1 = 50k cases, 1M activities; default) or comma-separated scales, e.g. 1,3: "
        "everything at the first, the report again at the others, each in its own cached database; "
        "the last of --scale/--scales given wins",
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL") or env.DEFAULT_DATABASE_URL,
        help=f"its own database, rebuilt when the parameters change (default {env.DEFAULT_DATABASE_URL})",
    )
    parser.add_argument(
        "--repeats", type=int, default=0, help="runs per measurement (default: per measurement)"
    )
    parser.add_argument("--seconds", type=float, default=0, help="duration of each load phase (default 6)")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the dataset even if it is current")
    parser.add_argument("--only", default="", help="comma-separated measurement keys, e.g. report,list")
    parser.add_argument("--plans", default="", help="write EXPLAIN (ANALYZE, BUFFERS) of every query here")
    parser.add_argument("--smoke", action="store_true", help="minimal repeats and durations (test suite)")
    parser.add_argument(
        "--drop-after", action="store_true", help="drop the database at the end (scratch runs)"
    )
    parser.add_argument("--results-json", default="", help=argparse.SUPPRESS)  # a further scale's child
    args = parser.parse_args(argv)
    args.scale_list = list(dict.fromkeys(float(x) for x in args.scales.split(",") if x.strip())) or [1.0]
    return args


def scale_database_url(url: str, scale: float, first: float) -> str:
    """The first scale's database is the URL's; each further scale has its own, `<name>_s<scale>`."""
    if scale == first:
        return url
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    suffix = f"{scale:g}".replace(".", "_")
    return urlunsplit(parts._replace(path=f"{parts.path}_s{suffix}"))


def further_scale(args, scale: float) -> list:
    """The report at another scale, in a child process against that scale's database (built or reused)."""
    from . import measurements
    from .stats import Stats

    url = scale_database_url(args.database_url, scale, args.scale_list[0])
    with __import__("tempfile").NamedTemporaryFile(suffix=".json") as out:
        command = [sys.executable, "-m", "bench", "--scale", f"{scale:g}", "--database-url", url]
        command += ["--only", "report", "--results-json", out.name]
        command += [flag for flag, on in (("--smoke", args.smoke), ("--rebuild", args.rebuild)) if on]
        command += [flag for flag, on in (("--drop-after", args.drop_after),) if on]
        if args.repeats:
            command += ["--repeats", str(args.repeats)]
        print(f"bench: scale {scale:g} in its own process: {' '.join(command[2:])}", flush=True)
        subprocess.run(command, check=True, cwd=Path(__file__).resolve().parent.parent)  # noqa: S603
        rows = json.loads(Path(out.name).read_text())
    results = []
    for row in rows:
        row["subject_stats"] = Stats(**row["subject_stats"])
        row["baseline_stats"] = Stats(**row["baseline_stats"])
        row["number"] = f"{row['number']} (scale {scale:g})"
        row["title"] = f"{row['title']} — scale {scale:g}"
        results.append(measurements.Result(**row))
    return results


def main(argv=None) -> int:
    args = parse_args(argv)
    env.check_bench_database(args.database_url)
    from . import database

    started = time.perf_counter()
    # Decide reuse before Django connects: a stale or unfinished dataset means a fresh database.
    env.prepare(args.database_url)
    from django.core.management import call_command
    from django.db import connection

    from . import dataset

    args.scale = args.scale_list[0]
    params = dataset.Params.for_scale(args.scale)
    wanted = database.fingerprint(params.as_dict())
    current = None if args.rebuild else database.stored_fingerprint(args.database_url)
    print(
        f"bench: scale {args.scale:g} → {params.sizes} in {env.database_name(args.database_url)}", flush=True
    )
    try:
        if current == wanted:
            print("bench: dataset is current (fingerprint matches); reusing it", flush=True)
            call_command("migrate", verbosity=0)  # new index migrations apply to the existing data
        else:
            print("bench: building the dataset …", flush=True)
            connection.close()
            database.recreate(args.database_url)
            call_command("migrate", verbosity=0)
            counts = dataset.build(params, log=lambda m: print(m, flush=True))
            database.store_fingerprint(connection, wanted, params.as_dict())
            print(f"bench: built {counts}", flush=True)

        from . import measurements

        options = measurements.Options.for_run(
            smoke=args.smoke,
            repeats=args.repeats,
            seconds=args.seconds,
            only=[k for k in args.only.split(",") if k],
            plans=args.plans,
            database_url=args.database_url,
            params=params,
        )
        results = measurements.run_all(options)
        if args.results_json:  # a further scale's child: the parent prints the one table
            Path(args.results_json).write_text(json.dumps([asdict(r) for r in results]))
            return 0
        connection.close()
        for scale in args.scale_list[1:]:
            results += further_scale(args, scale)
        print()
        print(measurements.render_table(results, params=params))
        print(measurements.render_scale_comparison(results, params=params))
        print(f"\nbench: finished in {time.perf_counter() - started:.0f}s", flush=True)
    finally:
        if args.drop_after:
            connection.close()
            database.drop(args.database_url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
