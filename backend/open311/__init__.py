"""Open311 GeoReport v2 in Open311's own terms: the jurisdiction, the service list and definitions, requests
submitted with an API key, queries, and tokens. The use cases take and give typed values (inputs, results) and
refuse with DomainError naming the input (errors); Open311's wire protocol (parameters, W3C dates, JSON and XML,
its error format) lives in mobile_api.open311."""

from backend.open311.discovery import jurisdiction, service_definition, service_list
from backend.open311.errors import Forbidden, InputRefused
from backend.open311.inputs import MAX_DESCRIPTION, MAX_PAGE, BBox, Open311Request, Page, RequestQuery, Window
from backend.open311.query import one_request, query
from backend.open311.requests import submit, token
from backend.open311.results import (
    Attribute,
    AttributeValue,
    JurisdictionRef,
    RequestExtras,
    RequestToken,
    ServiceDefinition,
    ServiceRequest,
    ServiceSummary,
    StatusNote,
)

__all__ = [
    "MAX_DESCRIPTION",
    "MAX_PAGE",
    "Attribute",
    "AttributeValue",
    "BBox",
    "Forbidden",
    "InputRefused",
    "JurisdictionRef",
    "Open311Request",
    "Page",
    "RequestExtras",
    "RequestQuery",
    "RequestToken",
    "ServiceDefinition",
    "ServiceRequest",
    "ServiceSummary",
    "StatusNote",
    "Window",
    "jurisdiction",
    "one_request",
    "query",
    "service_definition",
    "service_list",
    "submit",
    "token",
]
