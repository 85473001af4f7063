"""Bad input never gives a 5xx: every route of the app (read from its URL map, so a new route is covered the day it
is added) with each class of bad input — in its path variables, in its documented and common query parameters, in
JSON bodies and in form bodies — without a credential and with each kind of credential that opens it."""

from __future__ import annotations

import inspect
import json
import re
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from backend.staff import create_api_key, create_staff
from tests.conftest import make_app, push_settings
from tests.e2e.conftest import (
    ARTIFACTS,
    HTTPS,
    PASSWORD,
    POTHOLE,
    TOTP_SECRET,
    Resident,
    api_headers,
    sign_in_body,
    web_session,
)

# -- the classes of bad input ------------------------------------------------------------------------------

#: In a path segment (already percent-encoded as a client would send it).
BAD_PATH = {
    "nul": "%00",
    "surrogate": "%ED%A0%80",
    "invalid-utf8": "%FF%FE",
    "superscript-two": "%C2%B2",
    "arabic-digits": "%D9%A1%D9%A2%D9%A3",
    "int64": str(2**63),
    "beyond-int32": "99999999999",
    "negative": "-1",
    "long": "a" * 3000,
}
#: In a query parameter or a form field (percent-encoded).
BAD_VALUE = {
    **BAD_PATH,
    "control": "a%0Bb",
    "year-1": "0001-01-01",
    "year-1-time": "0001-01-01T00%3A00%3A00",
    "year-9999-offset": "9999-12-31T23%3A59%3A59%2B14%3A00",
    "bogus": "bogus",
    "world-bbox": "-180%2C-90%2C180%2C90",
}
#: As a JSON value (raw JSON text).
BAD_JSON_VALUE = {
    "nul": json.dumps("a\x00b"),
    "surrogate": '"a\\ud800b"',
    "control": json.dumps("a\x0bb"),
    "superscript-two": json.dumps("²"),
    "int64": str(2**63),
    "beyond-int32": "99999999999",
    "digits-5000": "9" * 5000,
    "huge-float": "1e999999",
    "nan": "NaN",
    "infinity": "-Infinity",
    "year-1": '"0001-01-01T00:00:00Z"',
    "year-1-date": '"0001-01-01"',
    "year-9999": '"9999-12-31T23:59:59+14:00"',
    "list": '["a", 1]',
    "object": '{"a": {"b": 1}}',
    "nested-lists": '[["a"], {"b": 1}, [[]]]',
    "long": json.dumps("a" * 100_000),
}
#: As a whole JSON body.
BAD_JSON_BODY = {
    "nested-lists": "[" * 10_000 + "]" * 10_000,
    "nested-objects": '{"a":' * 5_000 + "1" + "}" * 5_000,
    "nul-key": '{"a\\u0000": 1}',
    "surrogate-key": '{"\\udc80": 1}',
    "a-list": "[1, 2]",
    "a-number": "1e999999",
    "digits": "9" * 5000,
    "not-json": "{'a': 1",
    "invalid-utf8": b'{"a": "\xff\xfe"}',
}
#: As a multipart body: parts a form field cannot come from (the boundary is "B").
BAD_MULTIPART = {
    "nameless": 'Content-Disposition: form-data\r\n\r\nx',
    "attachment": 'Content-Disposition: attachment\r\n\r\nx',
    "empty-name": 'Content-Disposition: form-data; name=""\r\n\r\nx',
    "nameless-file": 'Content-Disposition: form-data; filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\nx',
    "nul-value": 'Content-Disposition: form-data; name="x"\r\n\r\na\x00b',
}
#: A survey with a question of each kind; the last one is required and never answered in the corpus, so no
#: response is stored and each wrong answer reaches its question's check.
CORPUS_SURVEY: dict[str, Any] = {
    "title": {"pl": "Korpus"},
    "questions": [
        {"code": "one", "kind": "single", "text": {"pl": "Jedno"},
         "options": [{"code": "yes", "label": {"pl": "tak"}}, {"code": "no", "label": {"pl": "nie"}}]},
        {"code": "many", "kind": "multiple", "text": {"pl": "Wiele"},
         "options": [{"code": "a", "label": {"pl": "a"}}, {"code": "b", "label": {"pl": "b"}}]},
        {"code": "area", "kind": "district", "text": {"pl": "Dzielnica"}},
        {"code": "scale", "kind": "likert5", "text": {"pl": "Skala"}},
        {"code": "nps", "kind": "nps", "text": {"pl": "Polecenie"}},
        {"code": "words", "kind": "text", "text": {"pl": "Uwagi"}},
        {"code": "last", "kind": "likert5", "required": True, "text": {"pl": "Ostatnie"}},
    ],
}
COMMON_QUERY = ("page", "cursor", "limit", "from", "to", "bbox", "zoom", "status", "area", "start_date", "end_date",
                "service_code", "q", "period", "next", "lang", "jurisdiction_id", "id", "after", "before")
#: Routes whose success ends the credential the run depends on; they are exercised without one.
SIGNING_OUT = {"web.logout", "staff.CurrentToken", "resident.Me", "web.login_restart"}


# -- the people and data the requests act as and on --------------------------------------------------------


@pytest.fixture(scope="module")
def corpus_app(migrated: str, redis_url: str, fake_fcm: Any, smtp: Any, cities: dict) -> Flask:
    """The suite's settings without rate limits (a refusal for speed would hide what the input does)."""
    return make_app(migrated, redis_url, **push_settings(fake_fcm, smtp), RATELIMIT_ENABLED="false")


@pytest.fixture(scope="module")
def people(corpus_app: Flask) -> dict[str, Any]:
    app = corpus_app
    client = app.test_client()
    email = f"corpus-{uuid.uuid4().hex[:8]}@krakow.example"
    with app.app_context():
        create_staff(email=email, password=PASSWORD, role="admin", jurisdiction_code="1261011",
                     totp_secret=TOTP_SECRET)
        read = create_api_key(name="corpus-read", jurisdiction_code="1261011", scopes=["reports:read"])[1]
        write = create_api_key(name="corpus-write", jurisdiction_code="1261011", scopes=["reports:write"])[1]
        o311 = create_api_key(name="corpus-311", jurisdiction_code="1261011", scopes=["open311:write"])[1]
    resident = Resident(client)
    report = resident.report()
    bearer = client.post("/api/admin/tokens", json=sign_in_body(app, email)).json["token"]
    web, csrf = web_session(app, email)
    staff = {"Authorization": f"Bearer {bearer}"}
    indicators = client.get("/api/admin/indicators", headers=staff).json["items"]
    report["id"] = client.get("/api/admin/reports?limit=1", headers=staff).json["items"][0]["id"]
    survey = client.post("/api/admin/surveys", headers=staff,
                         json={**CORPUS_SURVEY, "key": f"corpus-{uuid.uuid4().hex[:6]}"}).json["id"]
    assert client.post(f"/api/admin/surveys/{survey}/publish", headers=staff).status_code == 200
    assert resident.post("/api/v1/me/places", {"label": "home", "lat": 50.0614, "lon": 19.9372}).status_code == 201
    assert resident.get(f"/api/v1/surveys/{survey}").status_code == 200  # the answers reach their questions' checks
    return {
        "resident": {"Authorization": f"Bearer {resident.token}"},
        "staff-bearer": {"Authorization": f"Bearer {bearer}"},
        "key-read": {"X-API-Key": read},
        "key-write": {"X-API-Key": write},
        "key-open311": {"X-API-Key": o311},
        "web": (web, csrf),
        "report": report,
        "indicator": indicators[0]["code"] if indicators else "sla-on-time",
        "survey": survey,
    }


# -- building the requests from the URL map and the OpenAPI documents --------------------------------------


def base_value(name: str, converter: str, people: dict[str, Any]) -> str:
    """A plausible value of a path variable, so the other parts of a request reach the view."""
    report = people["report"]
    if name in ("report_id",):
        return str(report["id"])
    if name in ("report_ref", "ref"):
        return str(report["public_id"])
    if name == "code":
        return str(people["indicator"])
    if name == "survey_id":
        return str(people["survey"])
    if name in ("fmt", "fmt_"):
        return "json" if name == "fmt" else "csv"
    if name == "kind":
        return "photos"
    if "Integer" in converter:  # int and bigint
        return "1"
    return "x"


def _parse(rule: Any) -> list[tuple[bool, str, str]]:
    parts: list[tuple[bool, str, str]] = []
    for piece in re.split(r"(<[^>]+>)", rule.rule):
        if piece.startswith("<"):
            name = piece[1:-1].split(":")[-1]
            parts.append((True, type(rule._converters[name]).__name__, name))
        elif piece:
            parts.append((False, piece, ""))
    return parts


def build_path(rule: Any, people: dict[str, Any], bad: dict[str, str] | None = None) -> str:
    out = []
    for is_var, text, name in _parse(rule):
        if not is_var:
            out.append(text)
        else:
            out.append((bad or {}).get(name) or base_value(name, text, people))
    return "".join(out)


def openapi_operations(client: FlaskClient) -> dict[tuple[str, str], dict[str, Any]]:
    """(METHOD, path template) → operation, from both OpenAPI documents."""
    found = {}
    for url in ("/api/v1/openapi.json", "/api/admin/openapi.json"):
        doc = client.get(url).json
        for path, item in doc["paths"].items():
            for method, op in item.items():
                if isinstance(op, dict) and method != "parameters":
                    found[(method.upper(), path)] = {**op, "_doc": doc}
    return found


def body_fields(op: dict[str, Any] | None) -> list[str]:
    """The documented JSON body's top-level fields."""
    if not op:
        return []
    schema = (op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema") or {})
    ref = schema.get("$ref")
    if ref:
        schema = op["_doc"]["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    return list((schema.get("properties") or {}).keys())


def form_fields(app: Flask, endpoint: str) -> list[str]:
    """The form fields a web view reads (from its source)."""
    view = inspect.unwrap(app.view_functions[endpoint])
    try:
        source = inspect.getsource(view)
    except (OSError, TypeError):
        return []
    names = re.findall(r"form(?:\.get|\.getlist|\.get_all)?\(?\[?\s*[\"'](\w+)[\"']", source)
    names += re.findall(r"(?:form_int|form_value|field|number)\(\s*[\"'](\w+)[\"']", source)
    return sorted(set(names) - {"csrf_token"})


def common_query() -> list[str]:
    """The common parameters and every one the code reads from a query string by name (the pages' filters)."""
    from tests.conftest import ROOT

    found = set(COMMON_QUERY)
    for package in ("admin", "mobile_api", "backend"):
        for path in (ROOT / package).rglob("*.py"):
            source = path.read_text(encoding="utf-8")
            found.update(re.findall(r"args\.(?:get|getlist)\(\s*[\"'](\w+)[\"']", source))
            found.update(re.findall(r"\(args, [\"'](\w+)[\"']", source))
    return sorted(found)


def credentials(rule: str, endpoint: str, method: str) -> list[str]:
    """Who sends a route's bad input: nobody, and each kind of client the route is for."""
    if endpoint in SIGNING_OUT:
        return ["none"]
    if rule.startswith("/api/v1"):
        return ["none", "resident"]
    if rule.startswith("/api/admin"):
        return ["none", "staff-bearer", "key-read" if method == "GET" else "key-write"]
    if rule.startswith("/open311"):
        return ["none", "key-open311"] if method == "POST" else ["none"]
    if rule.startswith("/admin"):
        return ["none", "web"]
    return ["none"]


OPEN311_FIELDS = ["service_code", "lat", "long", "description", "email", "first_name", "attribute[x]",
                  "address_string", "media_url", "jurisdiction_id", "device_id", "account_id"]
#: The classes sent in the parameters a route does not document (the pages' and Open311's own names).
COMMON_CLASSES = ("nul", "surrogate", "int64", "year-1", "year-9999-offset")


def requests_for(app: Flask, people: dict[str, Any], ops: dict[tuple[str, str], Any]) -> Iterator[dict[str, Any]]:
    """Every (route, method, bad input) once; the credentials are applied by the caller."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint.endswith("static") or rule.endpoint == "swagger_assets.asset":
            continue
        template = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            op = ops.get((method, template))
            base = {"rule": rule, "endpoint": rule.endpoint, "method": method}
            yield from path_requests(base, people)
            path = build_path(rule, people)
            yield from query_requests(base, path, op)
            if method not in ("GET", "DELETE") or op:
                yield from body_requests(app, base, path, op)


def path_requests(base: dict[str, Any], people: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for var in [name for is_var, _c, name in _parse(base["rule"]) if is_var]:
        for cls, value in BAD_PATH.items():
            yield {**base, "what": f"path {var}={cls}", "path": build_path(base["rule"], people, {var: value})}


def query_requests(base: dict[str, Any], path: str, op: dict[str, Any] | None) -> Iterator[dict[str, Any]]:
    documented = [p["name"] for p in (op or {}).get("parameters", []) if p.get("in") == "query"]
    # a documented route reads the parameters it documents; the others (pages, Open311) their own names
    common = common_query() if base["method"] == "GET" and op is None else []
    for param in dict.fromkeys([*documented, *common]):
        for cls, value in BAD_VALUE.items():
            if param in documented or cls in COMMON_CLASSES:
                yield {**base, "what": f"query {param}={cls}", "path": path, "query": f"{param}={value}"}


def body_requests(app: Flask, base: dict[str, Any], path: str, op: dict[str, Any] | None) -> Iterator[dict[str, Any]]:
    rule = base["rule"].rule
    if rule.startswith(("/admin", "/open311")):
        fields = form_fields(app, base["endpoint"]) if rule.startswith("/admin") else OPEN311_FIELDS
        for field in fields or ["x"]:
            for cls, value in BAD_VALUE.items():
                yield {**base, "what": f"form {field}={cls}", "path": path, "form": f"{field}={value}"}
            yield {**base, "what": f"form {field} twice", "path": path, "form": f"{field}=1&{field}=2"}
        if rule.startswith("/admin"):
            return
    for cls, part in BAD_MULTIPART.items():
        yield {**base, "what": f"multipart {cls}", "path": path, "multipart": f"--B\r\n{part}\r\n--B--\r\n"}
    for cls, body in BAD_JSON_BODY.items():
        yield {**base, "what": f"json body {cls}", "path": path, "json": body}
    for field in body_fields(op):
        for cls, value in BAD_JSON_VALUE.items():
            yield {**base, "what": f"json {field}={cls}", "path": path, "json": f'{{"{field}": {value}}}'}
            # inside a documented object: each question of the corpus survey, and any key of another object
            for key in nested_keys(rule, field):
                yield {**base, "what": f"json {field}.{key}={cls}", "path": path,
                       "json": f'{{"{field}": {{"{key}": {value}}}}}'}


def nested_keys(rule: str, field: str) -> list[str]:
    """The keys sent inside a body field that is an object."""
    if field == "answers" and "<int:survey_id>" in rule:
        return [q["code"] for q in CORPUS_SURVEY["questions"]]
    if field in ("answers", "attributes", "title", "body", "labels", "text"):
        return ["size", "pl"]
    return []


def send(client: FlaskClient, request: dict[str, Any], credential: str, people: dict[str, Any]) -> int:
    headers: dict[str, str] = {}
    kwargs: dict[str, Any] = {}
    path = request["path"]
    if credential == "web":
        client, csrf = people["web"]
        kwargs["base_url"] = HTTPS
        headers = {"Referer": f"{HTTPS}/admin/queue", "X-CSRFToken": csrf}
    elif credential == "key-open311":  # Open311's key is a parameter of the request
        part, joined = ("form", "x=") if "form" in request else ("query", "")
        request = {**request, part: request.get(part, joined) + "&api_key=" + people[credential]["X-API-Key"]}
    elif credential != "none":
        headers = dict(people[credential])
    if "query" in request:
        kwargs["query_string"] = request["query"]
    if "json" in request:
        body = request["json"]
        kwargs["data"] = body if isinstance(body, bytes) else body.encode("utf-8", "surrogatepass")
        headers["Content-Type"] = "application/json"
    if "multipart" in request:
        kwargs["data"] = request["multipart"].encode("utf-8")
        headers["Content-Type"] = "multipart/form-data; boundary=B"
    if "form" in request:
        form = request["form"]
        if credential == "web":
            form += "&csrf_token=" + people["web"][1]
        kwargs["data"] = form
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    response = client.open(path, method=request["method"], headers=headers, **kwargs)
    return response.status_code


def test_no_bad_input_on_any_route_gives_a_server_error(corpus_app: Flask, people: dict[str, Any],
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    client = corpus_app.test_client()
    ops = openapi_operations(client)
    failures: list[str] = []
    counts: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    refused_plainly: dict[tuple[str, str], bool] = {}  # routes that turn away a request without credential
    for request in requests_for(corpus_app, people, ops):
        key = (request["rule"].rule, request["method"])
        if key not in refused_plainly:
            plain = {k: request[k] for k in ("rule", "endpoint", "method")}
            plain["path"] = build_path(request["rule"], people)
            refused_plainly[key] = send(client, plain, "none", people) in (302, 401, 403)
        for credential in credentials(request["rule"].rule, request["endpoint"], request["method"]):
            fields_only = not request["what"].startswith(("path", "json body", "multipart"))
            if credential == "none" and refused_plainly[key] and fields_only:
                continue  # what a guarded route does without credential does not depend on its fields
            status = send(client, request, credential, people)
            counts[credential] += 1
            statuses[f"{credential} {status // 100}xx"] += 1
            if status >= 500:
                failures.append(f"{status} {credential:12} {request['method']:6} {request['rule'].rule} "
                                f"{request['what']}")
    with capsys.disabled():
        print(f"\nbad-input corpus: {sum(counts.values())} requests; by credential {dict(counts)}")
        print(f"statuses: {dict(sorted(statuses.items()))}")
        by_cred = Counter(f.split()[1] for f in failures)
        print(f"5xx: {len(failures)} (by credential {dict(by_cred)})")
        for line in failures[:200]:
            print("  " + line)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "bad-input-5xx.txt").write_text("".join(f"{line}\n" for line in failures))
    # the credentials were really used: most of their answers are not refusals of the credential
    for credential in ("resident", "staff-bearer", "key-read", "key-write", "web"):
        assert statuses[f"{credential} 2xx"] + statuses[f"{credential} 4xx"] > 0
    assert client.get("/api/admin/me", headers=people["staff-bearer"]).status_code == 200
    assert client.get("/api/v1/me/notifications", headers=people["resident"]).status_code == 200
    assert not failures, f"{len(failures)} requests answered with a 5xx"


# -- each class of bad input, with the answer a client sees --------------------------------------------------


@pytest.fixture(scope="module")
def admin(app: Flask, cities: dict) -> dict[str, str]:
    email = f"bad-input-{uuid.uuid4().hex[:8]}@krakow.example"
    with app.app_context():
        create_staff(email=email, password=PASSWORD, role="admin", jurisdiction_code="1261011",
                     totp_secret=TOTP_SECRET)
    return {"email": email, **api_headers(app, email)}


def refusal(response: Any, status: int, location: str, field: str) -> str:
    """The answer is `status` in the shared shape, naming `field` of `location`; returns its message."""
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    body = response.json
    assert body["code"] == status and field in body["errors"][location], body
    return str(body["errors"][location][field][0])


def test_nul_control_characters_and_broken_utf8_in_path_query_and_form_are_refused_naming_the_part(
        client: FlaskClient) -> None:
    # a path no route can have names nothing: 404, saying why
    assert "not allowed" in refusal(client.get("/api/v1/reports/AB%00CD"), 404, "path", "path")
    assert "UTF-8" in refusal(client.get("/api/v1/reports/%ED%A0%80"), 404, "path", "path")
    assert "not allowed" in refusal(client.get("/api/v1/reports?bbox=1%0B2"), 400, "query", "bbox")
    assert "UTF-8" in refusal(client.get("/api/v1/services?lat=%FF%FE"), 400, "query", "lat")
    answer = client.post("/api/v1/devices", data="platform=android&locale=a%00b",
                         content_type="application/x-www-form-urlencoded")
    assert "locale" in refusal(answer, 400, "form", "locale")
    # staff credentials are their use cases' to judge: answered like any wrong e-mail, never differently
    signin = client.post("/api/admin/tokens", json={"email": "a\x00b@krakow.example", "password": "x" * 12})
    assert signin.status_code == 401
    polish = client.get("/api/v1/reports?bbox=%00", headers={"Accept-Language": "pl"})
    assert polish.json["message"] == "bbox zawiera niedozwolony znak (NUL lub znak sterujący)."
    # TAB, LF and CR are text, as is any other character
    ok = client.get("/api/v1/services?lat=50.06&lon=19.93&q=a%09b%0Ac%0Dd%E2%80%94%F0%9F%98%80")
    assert ok.status_code == 200


def test_bad_json_values_and_keys_are_422_naming_the_field(client: FlaskClient, resident: Any) -> None:
    me = resident()
    nul = me.post("/api/v1/reports", {**POTHOLE, "description": "Hole\x00"})
    assert "not allowed" in refusal(nul, 422, "json", "description")
    deep = me.client.post("/api/v1/reports", data='{"answers": {"size": "a\\ud800"}}',
                          headers={**me.headers, "Content-Type": "application/json"})
    refusal(deep, 422, "json", "answers.size")
    key = me.client.post("/api/v1/reports", data='{"answers": {"si\\u0007ze": "large"}}',
                         headers={**me.headers, "Content-Type": "application/json"})
    refusal(key, 422, "json", "answers")
    for number in ("9" * 5000, "1e999999", "NaN", "-Infinity"):
        answer = me.client.post("/api/v1/reports", data=f'{{"lat": {number}, "lon": 19.93}}',
                                headers={**me.headers, "Content-Type": "application/json"})
        assert "out of range" in refusal(answer, 422, "json", "lat"), number


def test_deeply_nested_json_is_a_400(client: FlaskClient) -> None:
    for body in ("[" * 10_000 + "]" * 10_000, '{"a":' * 100 + "1" + "}" * 100):
        answer = client.post("/api/v1/devices", data=body, content_type="application/json")
        assert "nested too deeply" in refusal(answer, 400, "json", "json")


def test_numbers_beyond_the_database_are_404_in_a_url_and_422_naming_the_field_elsewhere(
        app: Flask, client: FlaskClient, admin: dict[str, str]) -> None:
    headers = {"Authorization": admin["Authorization"]}
    for number in (str(2**31), "99999999999", str(2**63), "%C2%B2", "%D9%A1%D9%A2"):
        assert client.get(f"/api/admin/reports/{number}", headers=headers).status_code == 404, number
        assert client.get(f"/api/v1/reports/{number}").status_code == 404, number
    assert client.get(f"/api/admin/reports/{2**31 - 1}", headers=headers).status_code == 404  # looked up: none
    too_big = client.get(f"/api/admin/reports?assignee_id={2**31}", headers=headers)
    assert "2147483647" in refusal(too_big, 422, "query", "assignee_id")
    report = Resident(client).report()
    found = client.get(f"/api/admin/reports?q={report['public_id']}&limit=1", headers=headers).json["items"]
    path = f"/api/admin/reports/{found[0]['id']}"
    etag = client.get(path, headers=headers).headers["ETag"]
    merge = client.post(f"{path}/merge", json={"master_id": 2**63}, headers={**headers, "If-Match": etag})
    refusal(merge, 422, "json", "master_id")


def test_dates_outside_1900_to_2200_are_422_naming_the_field(client: FlaskClient, admin: dict[str, str]) -> None:
    headers = {"Authorization": admin["Authorization"]}
    for value in ("0001-01-01T00:00:00Z", "0001-01-01T00:00:00-12:00", "9999-12-31T23:59:59+14:00",
                  "9999-12-31T23:59:59"):
        answer = client.get("/api/admin/reports", query_string={"since": value}, headers=headers)
        assert "1900" in refusal(answer, 422, "query", "since"), value
        answer = client.post("/api/admin/broadcasts", headers=headers, json={
            "topic": "announcements", "audience": "all", "title": {"pl": "T"}, "body": {"pl": "B"},
            "send_at": value})
        refusal(answer, 422, "json", "send_at")


def test_the_staff_pages_refuse_bad_form_fields_with_a_page_naming_the_field(app: Flask, client: FlaskClient,
                                                                              admin: dict[str, str]) -> None:
    web, csrf = web_session(app, admin["email"])
    report = Resident(client).report()
    found = client.get(f"/api/admin/reports?q={report['public_id']}&limit=1",
                       headers={"Authorization": admin["Authorization"]}).json["items"][0]
    post = {"base_url": HTTPS, "headers": {"Referer": f"{HTTPS}/admin/queue"}}
    for field, value in (("master_id", "²"), ("master_id", str(2**63)), ("index", "١٢٣x")):
        action = "merge" if field == "master_id" else "template_reply"
        answer = web.post(f"/admin/reports/{found['id']}/{action}", data={field: value, "csrf_token": csrf}, **post)
        # the report's panel again (htmx swaps 2xx answers only) with why nothing was saved
        assert answer.status_code == 200, (field, value)
        assert f"{field}: potrzebna jest liczba całkowita od 0 do 2147483647." in answer.get_data(as_text=True)
    nul = web.post(f"/admin/reports/{found['id']}/note", data={"body": "a\x00b", "csrf_token": csrf},
                   base_url=HTTPS, headers={"Referer": f"{HTTPS}/admin/reports/{found['id']}", "Accept-Language": "en"})
    page = nul.get_data(as_text=True)
    # a page (not JSON) in the staff member's language, with the site's navigation and the way back to the form
    assert nul.status_code == 422 and "<html" in page.lower()
    assert "Formularz lub adres zawiera niedozwolony znak." in page and "body contains" not in page
    assert ">Kolejka</a>" in page and f'href="/admin/reports/{found["id"]}">Wróć do formularza' in page
    deep = web.post("/admin/broadcasts/preview", data={"audience": "polygon", "polygon": "[" * 5000 + "]" * 5000,
                                                       "csrf_token": csrf}, **post)
    assert deep.status_code == 200 and "zagnieżdżona zbyt głęboko" in deep.get_data(as_text=True)  # the preview's error
    bulk = web.post("/admin/queue/bulk", data={"ids": ["²", str(2**40)], "action": "status", "status": "closed",
                                                "csrf_token": csrf}, **post)
    assert bulk.status_code == 200  # nothing chosen that exists: nothing changed
    queue = web.get("/admin/queue?q=%00", base_url=HTTPS)
    assert queue.status_code == 422 and "Formularz lub adres zawiera niedozwolony znak." in queue.get_data(as_text=True)
    assert ">Kolejka</a>" in queue.get_data(as_text=True)
    signed_out = client.post("/admin/login", data={"x": "a\x00"}, base_url=HTTPS, headers={"Accept-Language": "uk"})
    assert "Форма або адреса містить недозволений символ." in signed_out.get_data(as_text=True)
    assert 'href="/admin/login"' in signed_out.get_data(as_text=True)


def test_open311_refuses_bad_characters_in_its_own_error_format(client: FlaskClient) -> None:
    xml = client.get("/open311/v2/requests.xml?jurisdiction_id=%00")
    assert xml.status_code == 400 and b"<errors>" in xml.data and b"jurisdiction_id" in xml.data
    answer = client.get("/open311/v2/requests.json?service_code=%FF")
    assert answer.status_code == 400
    assert answer.json[0]["code"] == 400 and "service_code" in answer.json[0]["description"]


def test_a_value_the_database_refuses_is_a_422_rolled_back_and_logged_without_the_value(
        migrated: str, redis_url: str, caplog: pytest.LogCaptureFixture) -> None:
    from sqlalchemy import Integer, cast, literal, select

    from backend.db import session

    app = make_app(migrated, redis_url)

    @app.get("/api/v1/probe/<text>")
    def probe(text: str) -> Any:  # a value no check before the database caught
        return {"n": session().scalar(select(cast(literal(text), Integer)))}

    client = app.test_client()
    with caplog.at_level("WARNING"):
        refused = client.get("/api/v1/probe/secret-99999999999", headers={"Accept-Language": "uk"})
    assert refused.status_code == 422
    assert refused.json["message"] == "Значення поза діапазоном або має неправильний формат."
    assert "SQLSTATE 22P02" in caplog.text and "secret" not in caplog.text
    assert client.get("/api/v1/probe/41").json == {"n": 41}  # the next request's session works


def test_a_multipart_part_without_a_name_is_a_400_saying_so(client: FlaskClient) -> None:
    for disposition in ("form-data", "attachment", 'form-data; name=""', 'form-data; filename="a.jpg"'):
        body = f"--B\r\nContent-Disposition: {disposition}\r\n\r\nx\r\n--B--\r\n"
        for path in ("/api/v1/devices", "/api/v1/reports", "/admin/login", "/open311/v2/requests.json"):
            answer = client.post(path, data=body, content_type="multipart/form-data; boundary=B",
                                 headers={"Accept-Language": "pl"})
            # the staff pages answer refusals with their error page (422), the APIs with a 400
            assert answer.status_code == (422 if path.startswith("/admin") else 400), (disposition, path)
            assert "bez nazwy" in answer.get_data(as_text=True), (disposition, path)


def test_survey_answers_of_the_wrong_shape_are_422_naming_the_question(app: Flask, client: FlaskClient,
                                                                       admin: dict[str, str]) -> None:
    headers = {"Authorization": admin["Authorization"]}
    made = client.post("/api/admin/surveys", headers=headers,
                       json={**CORPUS_SURVEY, "key": f"shapes-{uuid.uuid4().hex[:6]}"}).json["id"]
    assert client.post(f"/api/admin/surveys/{made}/publish", headers=headers).status_code == 200
    me = Resident(client)
    assert me.post("/api/v1/me/places", {"label": "home", "lat": 50.0614, "lon": 19.9372}).status_code == 201
    for code, value in (("one", ["yes"]), ("one", {"yes": 1}), ("many", [["a"]]), ("many", [{"a": 1}]),
                        ("area", ["I"]), ("area", {"I": 1})):
        answer = me.post(f"/api/v1/surveys/{made}/responses", {"answers": {code: value, "last": 3}})
        assert answer.status_code == 422, (code, value, answer.status_code)
        assert f"answers.{code}" in str(answer.json), answer.json
    good = me.post(f"/api/v1/surveys/{made}/responses", {"answers": {"one": "yes", "many": ["a"], "last": 3}})
    assert good.status_code == 201  # the right shapes are still answers


def test_raw_bytes_that_are_not_utf8_in_a_query_string_or_form_are_a_400(client: FlaskClient) -> None:
    # a server hands the undecoded bytes over as latin-1 text (PEP 3333); no client encoded them
    raw = client.get("/api/v1/services", environ_overrides={"QUERY_STRING": "lat=\xff\xfe"})
    assert "UTF-8" in refusal(raw, 400, "query", "lat")
    raw = client.get("/admin/login", environ_overrides={"QUERY_STRING": "next=\xe9"})
    assert raw.status_code == 422 and "niedozwolony znak" in raw.get_data(as_text=True)  # the staff error page
    form = client.post("/api/v1/devices", data=b"platform=android&locale=\xff",
                       content_type="application/x-www-form-urlencoded")
    assert "UTF-8" in refusal(form, 400, "form", "locale")
