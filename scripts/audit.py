#!/usr/bin/env python
"""`make audit`: bandit on the project's code and pip-audit on requirements/lock.txt.

* bandit scans everything but the virtualenv, tests and build output. Any HIGH-severity finding fails.
  Medium and low findings are listed; each one that stays has its reason in docs/operations.md.
* pip-audit checks every pinned package of the lock file against the PyPI advisory data (its default
  "pypi" service, i.e. pypi.org's per-release JSON). A known vulnerability fails, unless --deps-nonfatal
  (what CI passes: the advisory source is not always reachable from CI machines). When the advisory
  source cannot be reached pip-audit marks packages "not found"; then this says so plainly instead of
  reporting "no known vulnerabilities".

Exit codes: 0 clean (or advisory source unreachable, with a warning), 1 bandit HIGH finding or a
vulnerable dependency.
"""

# ruff: noqa: S603
# S603: runs the bandit and pip-audit executables of this virtualenv with fixed arguments.

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv/bin"
EXCLUDE = [".venv", "tests", "staticfiles", "node_modules", ".git", "test-artifacts"]


def tool(name: str) -> str:
    return str(BIN / name) if (BIN / name).exists() else name


def run_bandit() -> int:
    excluded = ",".join(f"./{d}" for d in EXCLUDE)
    result = subprocess.run(
        [tool("bandit"), "-q", "-r", ".", "-x", excluded, "-f", "json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        report = json.loads(result.stdout)
    except ValueError:
        print(result.stdout[-2000:], result.stderr[-2000:])
        print("audit: bandit did not produce a report")
        return 1
    findings = report.get("results", [])
    by_severity: dict[str, int] = {}
    for f in findings:
        by_severity[f["issue_severity"]] = by_severity.get(f["issue_severity"], 0) + 1
    print(
        f"bandit: {len(findings)} finding(s) by severity {by_severity or '{}'} "
        f"({report['metrics']['_totals']['loc']} lines scanned)"
    )
    for f in sorted(findings, key=lambda f: ("HIGH", "MEDIUM", "LOW").index(f["issue_severity"])):
        if f["issue_severity"] in ("HIGH", "MEDIUM"):
            print(
                f"  {f['issue_severity']:<6} {f['test_id']} {f['filename']}:{f['line_number']} "
                f"{f['issue_text']}"
            )
    high = by_severity.get("HIGH", 0)
    if high:
        print(f"audit: FAIL: {high} high-severity bandit finding(s)")
    return 1 if high else 0


def run_pip_audit(nonfatal: bool) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "pip-audit.json"
        result = subprocess.run(
            [
                tool("pip-audit"),
                "-r",
                "requirements/lock.txt",
                "--no-deps",
                "--disable-pip",
                "--progress-spinner",
                "off",
                "-f",
                "json",
                "-o",
                str(out),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )
        if not out.exists():
            print(result.stdout[-2000:], result.stderr[-2000:])
            print("audit: pip-audit produced no report (advisory source unreachable?)")
            return 0 if nonfatal else 1
        report = json.loads(out.read_text())
    deps = report.get("dependencies", [])
    skipped = [d for d in deps if d.get("skip_reason")]
    vulnerable = [d for d in deps if d.get("vulns")]
    audited = len(deps) - len(skipped)
    print(
        f"pip-audit: {len(deps)} pinned packages, {audited} audited, {len(skipped)} could not be audited, "
        f"{len(vulnerable)} with known vulnerabilities"
    )
    for d in vulnerable:
        for v in d["vulns"]:
            fixed = ", ".join(v.get("fix_versions") or []) or "no fix yet"
            print(f"  {d['name']} {d['version']}: {v['id']} (fixed in {fixed})")
    if skipped and not audited:
        print(
            "audit: WARNING: the advisory source (pypi.org per-release JSON) answered for no package; "
            "the dependencies are NOT audited. Run `make audit` where pypi.org is reachable."
        )
        return 0
    if skipped:
        print("  not audited: " + ", ".join(f"{d['name']} ({d['skip_reason'][:60]})" for d in skipped[:10]))
    if vulnerable:
        print("audit: " + ("WARNING" if nonfatal else "FAIL") + ": vulnerable dependencies")
        return 0 if nonfatal else 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="bandit + pip-audit")
    parser.add_argument(
        "--deps-nonfatal",
        action="store_true",
        help="report vulnerable dependencies, do not fail (CI: advisory source unreliable)",
    )
    parser.add_argument("--skip-deps", action="store_true", help="bandit only")
    args = parser.parse_args(argv)
    rc = run_bandit()
    if not args.skip_deps:
        rc = max(rc, run_pip_audit(args.deps_nonfatal))
    print("audit:", "OK" if rc == 0 else "FAILED")
    return rc


if __name__ == "__main__":
    sys.exit(main())
