"""The use cases' results as Open311's fields: the spec's names and order, W3C dates in the jurisdiction's
timezone, null for what is empty or not kept."""

from __future__ import annotations

from typing import Any

from backend import open311 as o311
from mobile_api.open311.protocol import w3c


def service(s: o311.ServiceSummary) -> dict[str, Any]:
    """An item of GET services."""
    return {
        "service_code": s.code,
        "service_name": s.name,
        "description": s.description or None,
        "metadata": s.has_questions,
        "type": "realtime",
        "keywords": ", ".join(s.keywords) or None,
        "group": s.group,
    }


def service_definition(d: o311.ServiceDefinition) -> dict[str, Any]:
    """GET services/{code}: the service's attributes (order counts from 1)."""
    return {
        "service_code": d.service_code,
        "attributes": [
            {
                "variable": True,
                "code": a.code,
                "datatype": a.datatype,
                "required": a.required,
                "datatype_description": a.hint or None,
                "order": a.position + 1,
                "description": a.description,
                "values": [{"key": v.key, "name": v.name} for v in a.values],
            }
            for a in d.attributes
        ],
    }


def submitted(t: o311.RequestToken, account_id: str | None) -> dict[str, Any]:
    """The answer to POST requests (account_id as the client sent it)."""
    return {
        "service_request_id": t.service_request_id,
        "token": t.token,
        "service_notice": None,
        "account_id": account_id,
    }


def token(t: o311.RequestToken) -> dict[str, Any]:
    """The answer to GET tokens/{token}."""
    return {"service_request_id": t.service_request_id, "token": t.token}


def _extended(x: o311.RequestExtras, tz: str) -> dict[str, Any]:
    """The extended_attributes of a request (with extensions=true)."""
    return {
        "internal_status": x.internal_status,
        "area": None if x.area is None else {"code": x.area.code, "name": x.area.name},
        "duplicate_of": x.duplicate_of,
        "support_count": x.support_count,
        "status_notes_history": [{"datetime": w3c(n.at, tz), "status": n.status, "notes": n.notes} for n in x.history],
        "photos": list(x.photos),
    }


def service_request(r: o311.ServiceRequest, tz: str, extensions: bool) -> dict[str, Any]:
    """A service request of GET requests and GET requests/{id}."""
    out: dict[str, Any] = {
        "service_request_id": r.service_request_id,
        "status": "closed" if r.closed else "open",
        "status_notes": r.status_notes,
        "service_name": r.service_name,
        "service_code": r.service_code,
        "description": r.description or None,
        "agency_responsible": r.agency,
        "service_notice": None,
        "requested_datetime": w3c(r.requested_at, tz),
        "updated_datetime": w3c(r.updated_at, tz),
        "expected_datetime": w3c(r.expected_at, tz),
        "address": r.address,
        "address_id": None,
        "zipcode": None,
        "lat": r.lat,
        "long": r.lon,
        "media_url": r.media_url,
    }
    if extensions:
        out["extended_attributes"] = _extended(r.extras, tz)
    return out
