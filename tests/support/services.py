"""Private service instances for tests that must take a service down without disturbing others."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

from tests.support.waiting import STARTUP_TIMEOUT, eventually


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PrivateRedis:
    """A redis-server of the test's own, on its own port, that can be stopped and started."""

    def __init__(self, workdir: Path, password: str = "") -> None:
        self.port = free_port()
        self.workdir = workdir
        self.password = password  # set: clients must AUTH (requirepass), as a production broker may demand
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return (
            f"redis://:{self.password}@127.0.0.1:{self.port}/0" if self.password else f"redis://127.0.0.1:{self.port}/0"
        )

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
                *(["--requirepass", self.password] if self.password else []),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            eventually(
                self._pong,
                timeout=STARTUP_TIMEOUT,
                interval=0.05,
                backoff=1.5,
                max_interval=0.5,
                retry_on=(OSError,),
                what=f"the private redis-server to answer PING on port {self.port}",
            )
        except BaseException:
            self.stop()
            raise

    def _pong(self) -> bool:
        """PONG from the server; a refused connection is "not yet", a server that has exited is a failure now."""
        assert self.proc is not None
        code = self.proc.poll()
        if code is not None:
            raise RuntimeError(f"redis-server exited with status {code} (port {self.port} taken?)")
        with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
            if self.password:
                s.sendall(f"AUTH {self.password}\r\n".encode())
                if not s.recv(16).startswith(b"+OK"):
                    return False
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)
            self.proc = None


class WorkerProcesses:
    """Real `celery worker` processes of the app, with their own settings (database, broker)."""

    def __init__(
        self, root: Path, env: dict[str, str], count: int = 1, concurrency: int = 2, loglevel: str = "WARNING"
    ) -> None:
        import os
        import sys

        self.cmds = [
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "backend.worker",
                "worker",
                "--pool",
                "threads",
                "--concurrency",
                str(concurrency),
                "--loglevel",
                loglevel,
                "--hostname",
                f"w{i}@%h",
            ]
            for i in range(count)
        ]
        self.env = {**os.environ, "PYTHONPATH": str(root), **env}
        self.root = root
        self.procs: list[subprocess.Popen[bytes]] = []

    def __enter__(self) -> WorkerProcesses:
        import tempfile

        self.log = Path(tempfile.mkstemp(prefix="hromada-worker-", suffix=".log")[1])
        out = self.log.open("ab")
        self.procs = [subprocess.Popen(cmd, env=self.env, cwd=self.root, stdout=out, stderr=out) for cmd in self.cmds]
        out.close()
        return self

    def log_text(self) -> str:
        """What the workers wrote (at their log level): shown when a test fails, read by the secrets test."""
        return self.log.read_text(errors="replace")

    def __exit__(self, *exc: object) -> None:
        for p in self.procs:
            p.terminate()
        for p in self.procs:
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
