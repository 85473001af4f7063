"""Open311's protocol at the HTTP edge: parameters parsed into typed inputs, W3C dates, the spec's error list
(no I/O, no app)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from backend import open311 as o311
from backend.errors import DomainError, NotFound
from mobile_api.open311.protocol import (
    FormRefused,
    attributes,
    describe,
    error_list,
    one,
    parse_w3c,
    request_query,
    submission,
    w3c,
)

WARSAW = "Europe/Warsaw"
NOT_A_DATE = "not a W3C date or date-time, e.g. 2026-01-31 or 2026-01-31T00:00:00Z"


# -- attribute[] -----------------------------------------------------------------------------------------------


def test_attribute_code_gives_one_value_and_attribute_code_brackets_a_list() -> None:
    values = {
        "attribute[size]": ["small"],
        "attribute[fraction][]": ["paper", "glass"],
        "service_code": ["pothole"],
    }
    assert attributes(values) == {"size": "small", "fraction": ["paper", "glass"]}


def test_a_repeated_single_attribute_keeps_the_last_value_and_blanks_count_as_absent() -> None:
    assert attributes({"attribute[size]": ["small", "large"]}) == {"size": "large"}
    assert attributes({"attribute[size]": ["small", "  "]}) == {"size": "small"}
    assert attributes({"attribute[size]": ["", " "], "attribute[kind][]": [""]}) == {}


def test_only_attribute_parameters_are_answers() -> None:
    values = {"attributes[size]": ["x"], "attribute[]": ["x"], "attribute[a][b]": ["x"], "size": ["x"]}
    assert attributes(values) == {}


def test_one_takes_the_last_value_stripped_and_a_blank_one_is_absent() -> None:
    values = {"email": ["a@b.cd", " c@d.ef "], "phone": ["  "]}
    assert one(values, "email") == "c@d.ef"
    assert one(values, "phone") is None
    assert one(values, "missing") is None


# -- W3C dates -------------------------------------------------------------------------------------------------


def test_w3c_dates_with_z_or_an_offset_are_parsed() -> None:
    assert parse_w3c("start_date", "2026-01-31T00:00:00Z") == datetime(2026, 1, 31, tzinfo=UTC)
    with_offset = parse_w3c("end_date", " 2026-01-31T10:00:00+02:00 ")
    assert with_offset == datetime(2026, 1, 31, 8, tzinfo=UTC)
    assert with_offset is not None and with_offset.utcoffset() == timedelta(hours=2)
    assert parse_w3c("start_date", None) is None
    assert parse_w3c("start_date", "") is None


def test_a_date_or_time_without_an_offset_is_read_in_the_municipalitys_time_zone() -> None:
    winter, summer = timedelta(hours=1), timedelta(hours=2)
    naive = parse_w3c("updated_after", "2026-01-31T10:00:00", WARSAW)
    assert naive == datetime(2026, 1, 31, 9, tzinfo=UTC) and naive is not None and naive.utcoffset() == winter
    assert parse_w3c("start_date", "2026-07-01", WARSAW) == datetime(2026, 6, 30, 22, tzinfo=UTC)
    day_end = parse_w3c("end_date", "2026-07-01", WARSAW, end=True)
    assert day_end == datetime(2026, 7, 1, 21, 59, 59, 999999, tzinfo=UTC)
    assert day_end is not None and day_end.utcoffset() == summer


@pytest.mark.parametrize("bad", ["yesterday", "2026-13-01T00:00:00Z", "31/01/2026", "2026-01-31T25:00:00+01:00"])
def test_a_bad_date_is_refused_naming_the_parameter(bad: str) -> None:
    with pytest.raises(o311.InputRefused) as caught:
        parse_w3c("start_date", bad)
    assert caught.value.field == "start_date"
    assert describe(caught.value) == "start_date: " + NOT_A_DATE


@pytest.mark.parametrize("far", ["0001-01-01", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "1899-12-31"])
def test_a_date_out_of_the_years_served_is_refused_naming_the_parameter(far: str) -> None:
    with pytest.raises(o311.InputRefused) as caught:
        parse_w3c("end_date", far, WARSAW, end=True)
    assert describe(caught.value) == "end_date: the year must be between 1900 and 2999"


def test_w3c_writes_the_jurisdictions_offset_without_fractions() -> None:
    winter = datetime(2026, 1, 31, 23, 30, 15, 123456, tzinfo=UTC)
    summer = datetime(2026, 7, 1, 12, 0, tzinfo=timezone(timedelta(hours=-4)))
    assert w3c(winter, WARSAW) == "2026-02-01T00:30:15+01:00"
    assert w3c(summer, WARSAW) == "2026-07-01T18:00:00+02:00"
    assert w3c(winter, "UTC") == "2026-01-31T23:30:15+00:00"
    assert w3c(None, WARSAW) is None


# -- POST requests' form ---------------------------------------------------------------------------------------


def test_a_form_becomes_a_typed_request() -> None:
    values = {
        "service_code": ["pothole"],
        "lat": ["50.0612"],
        "long": ["19.9380"],
        "description": ["  Hole by the tram stop "],
        "attribute[size]": ["medium"],
        "first_name": ["Olga"],
        "last_name": [""],
        "email": ["olga@example.com"],
        "device_id": ["dev-1"],
        "account_id": ["acc-1"],
        "api_key": ["secret"],
    }
    req = submission(values)
    assert req == o311.Open311Request(
        service_code="pothole",
        lat=50.0612,
        lon=19.938,
        description="Hole by the tram stop",
        attributes={"size": "medium"},
        name="Olga",
        email="olga@example.com",
        device_id="dev-1",
        account_id="acc-1",
    )


def test_an_address_alone_locates_a_request() -> None:
    req = submission({"service_code": ["graffiti"], "address_string": ["Szewska 10"]})
    assert (req.lat, req.lon, req.address, req.address_id) == (None, None, "Szewska 10", None)


def test_every_problem_of_a_form_is_refused_at_once() -> None:
    with pytest.raises(FormRefused) as caught:
        submission({"lat": ["50"], "description": ["x" * 4001], "email": ["nope"], "media_url": ["ftp://x"]})
    assert error_list(caught.value) == (
        400,
        [
            (400, "service_code is required"),
            (400, "lat and long must be WGS84 decimal degrees, given together"),
            (400, "description is longer than 4000 characters"),
            (400, "email is not an e-mail address"),
            (400, "media_url must be an http(s) URL"),
        ],
    )
    with pytest.raises(FormRefused) as nothing:
        submission({})
    assert [p.field for p in nothing.value.problems] == ["service_code", "location"]


@pytest.mark.parametrize(("lat", "lon"), [("x", "19.9"), ("95", "19.9"), ("50", "181"), ("nan", "19.9")])
def test_unusable_coordinates_are_refused(lat: str, lon: str) -> None:
    with pytest.raises(FormRefused) as caught:
        submission({"service_code": ["pothole"], "lat": [lat], "long": [lon]})
    assert [p.field for p in caught.value.problems] == ["lat"]


# -- GET requests' filters -------------------------------------------------------------------------------------


def test_query_filters_become_a_typed_query() -> None:
    q = request_query(
        {
            "service_code": "pothole, graffiti",
            "start_date": "2026-01-01T00:00:00Z",
            "end_date": "2026-02-01T00:00:00+01:00",
            "status": "closed",
            "bbox": "19.9,50.0,20.0,50.1",
            "page": "2",
            "page_size": "50",
        }
    )
    assert q.ids is None and q.service_codes == ("pothole", "graffiti")
    assert q.requested == o311.Window(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 31, 23, tzinfo=UTC))
    assert q.closed is True and q.bbox == o311.BBox(19.9, 50.0, 20.0, 50.1) and q.page == o311.Page(2, 50)
    assert request_query({"status": "open"}).closed is False
    assert request_query({"status": "open,closed"}).closed is None
    assert request_query({}) == o311.RequestQuery()


def test_ids_override_every_other_filter() -> None:
    q = request_query({"service_request_id": "krk-2026-000001, ,KRK-2026-000002", "start_date": "yesterday"})
    assert q == o311.RequestQuery(ids=("krk-2026-000001", "KRK-2026-000002"))
    assert request_query({"service_request_id": ","}).ids == ()


@pytest.mark.parametrize(
    ("params", "field", "description"),
    [
        (
            {"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z", "status": "pending"},
            "end_date",
            "end_date is before start_date",
        ),
        ({"status": "pending"}, "status", "status: status is open, closed or both (comma-separated)"),
        ({"bbox": "1,2"}, "bbox", "bbox is minLon,minLat,maxLon,maxLat"),
        ({"bbox": "200,0,201,1", "page": "x"}, "bbox", "bbox is minLon,minLat,maxLon,maxLat"),
        ({"page": "x"}, "page", "page: a whole number from 1 to 100000"),
        ({"page": "²"}, "page", "page: a whole number from 1 to 100000"),
        ({"page_size": "1001"}, "page_size", "page_size: a whole number from 1 to 1000"),
        ({"end_date": "soon"}, "end_date", "end_date: " + NOT_A_DATE),
        (
            {"updated_after": "2026-01-02", "updated_before": "2026-01-01"},
            "updated_before",
            "updated_before is before updated_after",
        ),
        ({"service_request_id": "KRK-1,a b"}, "service_request_id", None),
    ],
)
def test_a_bad_filter_is_refused_first_in_the_specs_order(params: dict, field: str, description: str | None) -> None:
    with pytest.raises(DomainError) as caught:
        request_query(params)
    assert caught.value.field == field
    status, items = error_list(caught.value)
    assert status == 400 and items[0][0] == 400 and field in items[0][1]
    assert description is None or items == [(400, description)]


# -- the spec's error list -------------------------------------------------------------------------------------


def test_refusals_keep_403_404_413_415_and_answer_others_as_400() -> None:
    assert error_list(o311.Forbidden("api_key is required to submit requests")) == (
        403,
        [(403, "api_key is required to submit requests")],
    )
    assert error_list(NotFound("token x not found"))[0] == 404
    assert error_list(DomainError("the location is outside jurisdiction 1261011"))[0] == 400
    too_big = o311.InputRefused("A photo may be at most 10 MB.", field="media", status=413)
    assert error_list(too_big) == (413, [(413, "media: A photo may be at most 10 MB.")])


def test_refused_inputs_are_named_as_open311_parameters() -> None:
    answer = o311.InputRefused("This question must be answered.", field="attributes.size")
    address = o311.InputRefused("No known address matches.", field="address")
    assert describe(answer) == "attribute[size]: This question must be answered."
    assert describe(address) == "address_string: No known address matches."
