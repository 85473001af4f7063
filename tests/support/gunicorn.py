"""A real gunicorn serving the app on 127.0.0.1 for tests that need several worker processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from tests.support.services import free_port
from tests.support.waiting import STARTUP_TIMEOUT, eventually


class Gunicorn:
    def __init__(self, root: Path, env: dict[str, str], workers: int = 3, log: Path | None = None) -> None:
        self.port = free_port()
        self.root = root
        self.env = {**os.environ, "PYTHONPATH": str(root), **env}
        self.workers = workers
        #: Where the access log and everything the workers print go (as `make run` logs them); None: nowhere.
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Gunicorn:
        logging = ["--access-logfile", "-", "--log-level", "info"] if self.log else ["--log-level", "warning"]
        out = self.log.open("ab") if self.log else subprocess.DEVNULL
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--threads",
                "4",
                *logging,
                "backend.wsgi:app",
            ],
            env=self.env,
            cwd=self.root,
            stdout=out,
            stderr=subprocess.STDOUT if self.log else subprocess.DEVNULL,
        )
        try:
            eventually(
                self._healthy,
                timeout=STARTUP_TIMEOUT,
                interval=0.2,
                backoff=1.5,
                max_interval=1.0,
                retry_on=(OSError,),
                what=f"gunicorn to answer GET /healthz on port {self.port}",
            )
        except BaseException:
            self.__exit__()
            raise
        return self

    def _healthy(self) -> bool:
        """200 from /healthz; a refused connection is "not yet", a master that has exited is a failure now."""
        assert self.proc is not None
        code = self.proc.poll()
        if code is not None:
            raise RuntimeError(f"gunicorn exited with status {code} before it answered /healthz")
        return self.request("GET", "/healthz")[0] == 200

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(20)

    def request(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], Any]:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            self.base + path, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})}
        )
        try:
            with urllib.request.urlopen(req, timeout=30) as res:  # noqa: S310 - a local test server
                raw = res.read()
                return res.status, dict(res.headers), json.loads(raw) if raw else None
        except urllib.error.HTTPError as err:
            raw = err.read()
            return err.code, dict(err.headers), json.loads(raw) if raw else None
