"""City-scale benchmarks (`make bench`, `python -m bench`): a synthetic dataset loaded with COPY into its own
PostgreSQL database, then six measurements, each as a ratio against a baseline measured in the same run.

Results are written up in docs/benchmarks.md; they are never timed assertions in the test suite (only a tiny
smoke run of this harness is, tests/bench/test_bench_smoke.py, and it asserts completion, not speed).
"""
