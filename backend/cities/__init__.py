"""Cities: a municipality's definition (districts, departments, services, questions), its address points and
waste-collection calendar, and where a point lies."""

from backend.cities.addresses import load_addresses
from backend.cities.geography import Choices, Named, areas_geojson, choices, locate_or_refuse
from backend.cities.loading import load_city, read_city
from backend.cities.lookup import AddressCandidates, Whereabouts, address_candidates, whereabouts
from backend.cities.site import Municipality, site_municipalities, site_municipality
from backend.cities.waste import Collection, WasteSchedule, load_schedule, schedule_at

__all__ = [
    "AddressCandidates",
    "Choices",
    "Collection",
    "Municipality",
    "Named",
    "WasteSchedule",
    "Whereabouts",
    "address_candidates",
    "areas_geojson",
    "choices",
    "load_addresses",
    "load_city",
    "load_schedule",
    "locate_or_refuse",
    "read_city",
    "schedule_at",
    "site_municipalities",
    "site_municipality",
    "whereabouts",
]
