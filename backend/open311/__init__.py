"""Open311 GeoReport v2: the service list and definitions, requests submitted with an API key, queries, and
tokens; in Open311's own terms (its HTTP formats live in mobile_api.open311)."""

from backend.open311.discovery import Open311Error, jurisdiction, service_definition, service_list, w3c
from backend.open311.query import one_request, query
from backend.open311.requests import submit, token

__all__ = [
    "Open311Error",
    "jurisdiction",
    "one_request",
    "query",
    "service_definition",
    "service_list",
    "submit",
    "token",
    "w3c",
]
