"""A tile server for the browser tests: a real HTTP server on 127.0.0.1 answering GET /{z}/{x}/{y}.png with a
256×256 PNG (a checkerboard of two greys, so screenshots show where tiles lie), recording every tile asked for.
The app's MAP_TILE_URL points at it, so no map in a test ever asks a server outside this machine."""

from __future__ import annotations

import io
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from PIL import Image

from tests.support.services import free_port

_TILE = re.compile(r"^/(\d{1,2})/(\d{1,7})/(\d{1,7})\.png$")


def _png(shade: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (256, 256), (shade, shade, shade + 8)).save(buf, "PNG")
    return buf.getvalue()


class TileServer:
    """`with TileServer() as tiles:` → `tiles.template` for MAP_TILE_URL, `tiles.requested` the (z, x, y) served."""

    ATTRIBUTION = "Test tiles"

    def __init__(self) -> None:
        self.port = free_port()
        self.requested: list[tuple[int, int, int]] = []
        self._lock = threading.Lock()
        self._pngs = (_png(224), _png(200))
        self._server: ThreadingHTTPServer | None = None

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def template(self) -> str:
        return f"{self.origin}/{{z}}/{{x}}/{{y}}.png"

    def served(self) -> set[tuple[int, int, int]]:
        with self._lock:
            return set(self.requested)

    def __enter__(self) -> TileServer:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                found = _TILE.match(self.path)
                if not found:
                    self.send_error(404)
                    return
                z, x, y = (int(v) for v in found.groups())
                with owner._lock:
                    owner.requested.append((z, x, y))
                body = owner._pngs[(x + y) % 2]
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "public, max-age=3600")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
