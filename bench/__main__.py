"""`python -m bench [--scale 0.01] [--database-url URL] [--repeats N] [--rebuild] [--plans FILE]`

Builds (or reuses) the synthetic dataset in its own database, runs the six measurements and prints one table
of ratios against baselines measured in the same run. Exit status 0 whether or not goals are met: the figures
are for docs/benchmarks.md, not a gate.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from . import env


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1 = 50k cases, 1M activities (default)")
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
    return parser.parse_args(argv)


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
        print()
        print(measurements.render_table(results, params=params))
        print(f"\nbench: finished in {time.perf_counter() - started:.0f}s", flush=True)
    finally:
        if args.drop_after:
            connection.close()
            database.drop(args.database_url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
