"""A public read while staff sign-in is under a burst of password guesses, against the same read on an idle server.

Serves the app with gunicorn as production does (gunicorn.conf.py's workers and threads, rate limits on), then:
floor — GET of the resident services list on an idle server; burst — the same GET issued while `--burst`
sign-ins for random (unknown) e-mails arrive in parallel. Before the sign-in limits and the cap on concurrent
password checks every one of those sign-ins ran argon2 and the read queued behind them; now the excess is refused
at once (429 + Retry-After). Prints the read's latency under the burst as a ratio against the floor, and how the
sign-ins were answered.

    .venv/bin/python bench/sign_in_burst.py [--rounds 5] [--burst 40]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import uuid
from collections import Counter
from pathlib import Path

from dotenv import load_dotenv

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import gunicorn, request, timed_get  # noqa: E402

READ = "/api/v1/services?lat=50.0617&lon=19.9373"


def burst_round(port: int, size: int) -> tuple[float, Counter[int]]:
    """One burst of `size` parallel sign-ins for unknown e-mails and a public read started among them."""
    answers: Counter[int] = Counter()
    lock = threading.Lock()
    start = threading.Barrier(size + 1)

    def sign_in() -> None:
        start.wait()
        body = {"email": f"nobody-{uuid.uuid4().hex[:10]}@example.org", "password": "not the password at all"}
        status = request(port, "POST", "/api/admin/tokens", body)[0]
        with lock:
            answers[status] += 1

    threads = [threading.Thread(target=sign_in) for _ in range(size)]
    for t in threads:
        t.start()
    start.wait()
    read = timed_get(port, READ)
    for t in threads:
        t.join()
    return read, answers


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--burst", type=int, default=40)
    args = parser.parse_args()
    load_dotenv(ROOT / ".env", override=False)
    import os

    workers = os.environ.get("WEB_CONCURRENCY", "2")
    with gunicorn(int(workers), {"RATELIMIT_ENABLED": "true"}) as port:
        for _ in range(5):  # warm both workers
            timed_get(port, READ)
        floor = [timed_get(port, READ) for _ in range(30)]
        reads: list[float] = []
        answers: Counter[int] = Counter()
        for _ in range(args.rounds):
            read, counted = burst_round(port, args.burst)
            reads.append(read)
            answers.update(counted)
    floor_ms, burst_ms = statistics.median(floor) * 1000, statistics.median(reads) * 1000
    print(f"public read, idle (floor):           median {floor_ms:8.1f} ms over {len(floor)} reads")
    print(
        f"public read during {args.burst} sign-ins:     median {burst_ms:8.1f} ms, worst {max(reads) * 1000:.1f} ms "
        f"over {args.rounds} bursts = {burst_ms / floor_ms:.1f}x the floor"
    )
    print("sign-ins answered: " + ", ".join(f"{code}: {n}" for code, n in sorted(answers.items())))


if __name__ == "__main__":
    main()
