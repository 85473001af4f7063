"""The resident website: a municipality's home page, its public map and each report's public page, served by the
same deployment as /api/v1 and built on its use cases (README, "Resident website").

Pages are server-rendered and work without JavaScript; the site's one script (static/site.js) adds the maps
(every map's base layer from MAP_TILE_URL) and "me too". Leaflet comes from the product's npm package
(admin/frontend, installed at set-up with its lockfile) and is served from here; the pages' Content-Security-
Policy allows scripts and styles from this site only, and images from it and the tile source.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, Response, abort, current_app, g, request, send_from_directory

from backend import basemap
from backend.errors import NotFound
from backend.i18n import LANGUAGES, choose_language
from backend.settings import ConfigurationError
from mobile_api.site import forms as forms  # registers /report and /my-reports on `pages`
from mobile_api.site.pages import pages, render
from mobile_api.site.place import Place

HERE = Path(__file__).resolve().parent
NODE_MODULES = HERE.parent.parent / "admin" / "frontend" / "node_modules"
#: The only files served under /site/assets/ (nothing else of the npm packages is reachable).
ASSETS = {
    "leaflet.js": (NODE_MODULES, "leaflet/dist/leaflet.js"),
    "leaflet.css": (NODE_MODULES, "leaflet/dist/leaflet.css"),
    "site.js": (HERE / "static", "site.js"),
    "site.css": (HERE / "static", "site.css"),
    "forms.js": (HERE / "static", "forms.js"),
}
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'{nonce}; img-src {img}; connect-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)

assets = Blueprint("site_assets", __name__)


@assets.get("/site/assets/<name>")
def asset(name: str) -> Response:
    found = ASSETS.get(name)
    if found is None or not (found[0] / found[1]).exists():
        abort(404)
    return send_from_directory(found[0], found[1], max_age=3600)


def _policy(response: Response) -> Response:
    """The pages' policy: scripts and styles of this site (and the page's own `<style>` by its nonce), images of
    this site, its media address and the tile source."""
    if response.mimetype != "text/html":
        return response
    settings = current_app.config["HROMADA_SETTINGS"]
    img = basemap.img_sources(settings.MAP_TILE_URL)
    try:
        media = settings.public_base()
    except ConfigurationError:
        media = ""
    if media and media not in img:
        img = f"{img} {media}"
    nonce = f" 'nonce-{g.csp_nonce}'" if "csp_nonce" in g else ""
    response.headers["Content-Security-Policy"] = CSP.format(nonce=nonce, img=img)
    return response


@pages.errorhandler(NotFound)
@pages.errorhandler(404)
def _not_found(exc: Exception) -> Response:
    """A report that is not public (hidden, or never was) or an address naming no municipality: a page in the
    visitor's language."""
    lang = request.args.get("lang")
    if lang not in LANGUAGES:
        lang = choose_language()
    return render("resident/site/not_found.html", Place(None, str(lang), False, "", LANGUAGES), 404)


pages.after_request(_policy)


def init_app(app: Flask) -> None:
    """Register the website's pages and their assets."""
    app.register_blueprint(pages)
    app.register_blueprint(assets)
