"""`make load`: the mixed scenario of bench/locustfile.py (locust, headless) against gunicorn with a Celery worker
and beat running, on the seeded 1,000,000 reports. Prints sustained throughput, p50/p95/p99 per endpoint, the
errors (goal: none) and how the CPU time split between the app, PostgreSQL, the worker and the load generator.

    .venv/bin/python bench/load.py [--users 24] [--seconds 90]

Rate limiting is off for the run: all the load comes from one address, which the per-address limits exist to stop.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import time
from pathlib import Path

from dotenv import load_dotenv

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import gunicorn, request  # noqa: E402
from bench.push_fanout import celery_worker  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds() -> dict[int, tuple[str, float, int]]:
    """Every process: (command, user+system CPU seconds, parent pid)."""
    out = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue
        name = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2 :].split()
        out[int(entry.name)] = (name, (int(fields[11]) + int(fields[12])) / TICKS, int(fields[1]))
    return out


def descendants(procs: dict[int, tuple[str, float, int]], root: int) -> set[int]:
    found, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        for pid, (_, _, ppid) in procs.items():
            if ppid == parent and pid not in found:
                found.add(pid)
                frontier.append(pid)
    return found


def master_of(bind: str) -> int:
    """The gunicorn master serving on `bind`: the oldest process whose command line names it (its workers are
    forks with the same command line)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if "gunicorn" in cmd and bind in cmd:
                found.append(int(entry.name))
    if not found:
        raise RuntimeError(f"no gunicorn on {bind}")
    return min(found)


def survey_id() -> int:
    """The benchmark's published app survey (bench/survey_results.py creates it)."""
    from bench.survey_results import survey_with_responses

    return survey_with_responses(0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=24)
    parser.add_argument("--seconds", type=int, default=90)
    args = parser.parse_args()
    load_dotenv(ROOT / ".env", override=False)
    survey = survey_id()
    env = {"RATELIMIT_ENABLED": "false"}
    out_prefix = Path("/tmp") / f"hromada-load-{os.getpid()}"
    with gunicorn(4, env=env) as port, celery_worker(env) as worker:
        login = {"email": "admin@krakow.example", "password": "hromada-demo"}
        token = request(port, "POST", "/api/admin/tokens", login)[1]["token"]
        before = cpu_seconds()
        gunicorn_root = master_of(f"127.0.0.1:{port}")
        groups = {
            "app (gunicorn)": descendants(before, gunicorn_root),
            "worker (celery)": descendants(before, worker.pid),
        }
        t0 = time.perf_counter()
        waited = os.times()  # the load generator is the one child waited for in between: its CPU time is here
        locust = subprocess.Popen(
            [
                str(ROOT / ".venv" / "bin" / "locust"),
                "-f",
                str(ROOT / "bench" / "locustfile.py"),
                "--headless",
                "-u",
                str(args.users),
                "-r",
                str(max(1, args.users // 4)),
                "-t",
                f"{args.seconds}s",
                "--host",
                f"http://127.0.0.1:{port}",
                "--csv",
                str(out_prefix),
                "--only-summary",
                "--loglevel",
                "ERROR",
            ],
            env={**os.environ, "LOAD_SURVEY_ID": str(survey), "LOAD_STAFF_TOKEN": token},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        locust.wait()
        wall = time.perf_counter() - t0
        after = cpu_seconds()
        done = os.times()
    groups["database (postgres)"] = {pid for pid, (name, _, _) in after.items() if name.startswith("postgres")} | {
        pid for pid, (name, _, _) in before.items() if name.startswith("postgres")
    }

    def used(pids: set[int]) -> float:
        return sum(after[p][1] - (before[p][1] if p in before else 0.0) for p in pids if p in after)

    cpu = {name: used(pids) for name, pids in groups.items()}
    cpu["load generator (locust)"] = (
        done.children_user + done.children_system - waited.children_user - waited.children_system
    )
    rows = list(csv.DictReader((out_prefix.parent / f"{out_prefix.name}_stats.csv").open()))
    failures = list(csv.DictReader((out_prefix.parent / f"{out_prefix.name}_failures.csv").open()))
    total = next(r for r in rows if r["Name"] == "Aggregated")
    print(
        f"{args.users} users for {args.seconds} s (wall {wall:.0f} s), gunicorn 4 workers, celery worker 2 "
        f"processes, 2 cores; rate limiting off"
    )
    print(
        f"sustained: {float(total['Requests/s']):.1f} requests/s, {total['Request Count']} requests, "
        f"{total['Failure Count']} errors"
    )
    print(f"{'endpoint':40s} {'count':>7s} {'req/s':>7s} {'p50':>6s} {'p95':>6s} {'p99':>6s} {'errors':>6s}")
    for r in rows:
        if r["Name"] == "Aggregated":
            continue
        print(
            f"{r['Name']:40s} {r['Request Count']:>7s} "
            f"{float(r['Requests/s']):7.1f} {r['50%']:>6s} {r['95%']:>6s} {r['99%']:>6s} {r['Failure Count']:>6s}"
        )
    for f in failures:
        print(f"  error: {f['Method']} {f['Name']}: {f['Error']} ×{f['Occurrences']}")
    all_cpu = sum(cpu.values())
    print(
        "CPU time (seconds, share): " + ", ".join(f"{k} {v:.0f} s ({100 * v / all_cpu:.0f}%)" for k, v in cpu.items())
    )
    if locust.returncode not in (0, 1):
        print(locust.stderr.read()[-2000:] if locust.stderr else "")


if __name__ == "__main__":
    main()
