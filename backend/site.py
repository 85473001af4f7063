"""The resident website's addresses: which municipality a host name stands for (SITE_HOSTS), and the URL of a
report's public page (REPORT_LINK_TEMPLATE), which every notification e-mail links to."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from werkzeug.sansio.utils import host_is_trusted

#: The default REPORT_LINK_TEMPLATE: the report's page on this site ({base}: PUBLIC_BASE_URL, else the host).
DEFAULT_REPORT_LINK = "{base}/reports/{public_id}"
_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]{1,5})?")
_CODE = re.compile(r"[A-Za-z0-9_-]{1,32}")


def host_map(entries: Iterable[str]) -> dict[str, str]:
    """SITE_HOSTS (`host=municipality code` items) as lower-case host -> code; malformed items are left out
    (`problems` names them)."""
    found = {}
    for entry in entries:
        host, _, code = entry.partition("=")
        if _HOST.fullmatch(host.strip()) and _CODE.fullmatch(code.strip()):
            found[host.strip().lower()] = code.strip()
    return found


def municipality_of_host(entries: Iterable[str], host: str) -> str | None:
    """The code of the municipality SITE_HOSTS names for this Host (with its port, else without), or None."""
    hosts = host_map(entries)
    host = host.lower()
    return hosts.get(host) or hosts.get(host.rsplit(":", 1)[0])


def problems(entries: Iterable[str], report_link_template: str, trusted: tuple[str, ...] = ()) -> list[str]:
    """Why these site settings cannot run (empty: they can); with TRUSTED_HOSTS (`trusted`) every site host must
    be among them, or its visitors get a 400."""
    entries = list(entries)
    found = [
        f"SITE_HOSTS items must be host=municipality code, e.g. drohobych.example.org=4610300000 (not {e!r})"
        for e in entries
        if len(host_map([e])) != 1
    ]
    found += [
        f"TRUSTED_HOSTS must include SITE_HOSTS' host {host!r}, or every visit gets a 400"
        for host in host_map(entries)
        if trusted and not host_is_trusted(host.rsplit(":", 1)[0], list(trusted))
    ]
    if report_link_template and "{public_id}" not in report_link_template:
        found.append(f"REPORT_LINK_TEMPLATE must contain {{public_id}} (it is {report_link_template!r})")
    return found


def report_link(template: str, base: Any, public_id: str) -> str | None:
    """The URL of a report's public page (None without a template or a public id); `base` is called for the
    site's base URL only when the template asks for it."""
    if not template or not public_id:
        return None
    return template.format(base=base() if "{base}" in template else "", public_id=public_id)
