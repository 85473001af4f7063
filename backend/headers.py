"""Security headers on every answer of the app, set in one place after every request (errors and 404s included).

- `X-Content-Type-Options: nosniff` and `Referrer-Policy` everywhere.
- A Content-Security-Policy on every answer: HTML pages get one that forbids framing and allows no script (the
  resident pages' one `<style>` carries this answer's nonce; the API docs allow Swagger UI's own files and its
  one inline start-up script by hash) and images from this site and the base map's tile source
  (backend/basemap.py); every other answer gets `default-src 'none'`. A part of the app with a
  policy of its own (the staff web UI) sets it first and keeps it.
- `Cache-Control: no-store` on every answer that may carry personal data or secrets: the staff API and UI, and
  in the resident API whatever a device token, a signed link or a change asks for. Public reads keep their own
  caching (the open-data feed: `public, max-age=300`); an answer that set its own Cache-Control keeps it (the staff
  indicator feed: `private, no-cache` with its ETag).
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets

from flask import Flask, Request, Response, current_app, g, request

from backend import basemap

#: The pages: nothing loads but what the page's own origin serves (and the base map's tiles), nothing may frame
#: them, forms post back here.
PAGE_CSP = "default-src 'none'; img-src {img}; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
#: Swagger UI (/api/v1/docs, /api/admin/docs): its files from /api/static/swagger-ui/, the OpenAPI document from
#: here, its inline start-up script by hash, and the data: images of its stylesheet.
DOCS_CSP = (
    "default-src 'none'; script-src 'self' {hashes}; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'"
)
#: Anything that is not a page (JSON, CSV, XML, images, scripts): no content of its own may run or be framed.
OTHER_CSP = "default-src 'none'; frame-ancestors 'none'"
DOCS_ENDPOINT = ".openapi_swagger_ui"
#: Paths whose every answer is personal: the staff API and web UI, a resident's own device and data, and the
#: pages of e-mailed links (their query holds a signed token).
PRIVATE_PREFIXES = ("/api/admin", "/admin", "/api/v1/me", "/api/v1/devices", "/api/v1/feedback", "/api/v1/email/")
#: Public static files: they set their own caching.
PUBLIC_FILES = ("/admin/assets/", "/admin/static/", "/api/static/")
CREDENTIALS = ("Authorization", "X-API-Key")
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def init_app(app: Flask) -> None:
    settings = app.config["HROMADA_SETTINGS"]
    app.after_request(secure)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    # The pages' base map (their `<body>`'s data attributes), from the settings this answer's policy allows.
    app.jinja_env.globals["base_map"] = basemap.page_config(
        settings.MAP_TILE_URL, settings.MAP_TILE_ATTRIBUTION, settings.MAP_MAX_ZOOM
    )


def csp_nonce() -> str:
    """This answer's nonce for a page's own `<style nonce="…">` (the page's CSP then allows that element only)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    nonce: str = g.csp_nonce
    return nonce


def secure(response: Response) -> Response:
    """Add the headers to one answer (those a view or blueprint already set are kept)."""
    headers = response.headers
    headers["X-Content-Type-Options"] = "nosniff"
    headers.setdefault("Referrer-Policy", "no-referrer")
    if response.mimetype == "text/html":
        headers.setdefault("Content-Security-Policy", _page_policy(response))
        headers.setdefault("X-Frame-Options", "DENY")
    else:
        headers.setdefault("Content-Security-Policy", OTHER_CSP)
    if personal(request):
        headers.setdefault("Cache-Control", "no-store")
    return response


def personal(req: Request) -> bool:
    """Whether the answer to this request may carry personal data or a secret (and must not be stored by a cache)."""
    path = req.path
    if path.startswith(PUBLIC_FILES):
        return False
    if path.startswith(PRIVATE_PREFIXES) or path == "/metrics":
        return True
    try:
        secret_in_query = "api_key" in req.args or "token" in req.args
    except UnicodeDecodeError:  # a query string that is not text (refused at the edge): not stored either
        secret_in_query = True
    if secret_in_query or any(req.headers.get(name) for name in CREDENTIALS):
        return True
    return path.startswith("/api/v1") and req.method not in ("GET", "HEAD")


def _page_policy(response: Response) -> str:
    if (request.endpoint or "").endswith(DOCS_ENDPOINT):
        return DOCS_CSP.format(hashes=" ".join(_script_hashes(response)))
    policy = PAGE_CSP.format(img=basemap.img_sources(current_app.config["HROMADA_SETTINGS"].MAP_TILE_URL))
    nonce = g.get("csp_nonce")
    return f"{policy}; style-src 'nonce-{nonce}'" if nonce else policy


def _script_hashes(response: Response) -> list[str]:
    """The hashes of the docs page's inline scripts: the page is rendered from flask-smorest's template with the
    app's own settings only (the document's URL, Swagger UI's options), no request data."""
    if response.direct_passthrough or response.is_streamed:
        return []
    html = response.get_data(as_text=True)
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"
        for script in _INLINE_SCRIPT.findall(html)
    ]
