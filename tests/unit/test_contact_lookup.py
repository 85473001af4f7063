"""How staff find a person by the phone number or e-mail address they gave: a number written without its country code
is read as a number of the municipality's country (Kraków: Poland, Drohobych: Ukraine), so the ways people write one
number all find it, and a number of another country with the same digits does not."""

from __future__ import annotations

import pytest

from backend.errors import DomainError
from backend.models import Jurisdiction, Resident
from backend.residents import lookup

KRAKOW = Jurisdiction(code="1261011", default_language="pl", settings={"country": "PL"})
DROHOBYCH = Jurisdiction(code="drohobych", default_language="uk", settings={})


@pytest.mark.parametrize(
    ("where", "asked", "stored"),
    [
        (KRAKOW, "600111222", "+48 600 111 222"),
        (KRAKOW, "0048 600-111-222", "600111222"),
        (KRAKOW, "+48600111222", "(600) 111 222"),
        (DROHOBYCH, "067 123 4567", "+380 67 123 45 67"),
        (DROHOBYCH, "+380671234567", "0671234567"),
        (DROHOBYCH, "00380 67 123 4567", "067-123-45-67"),
    ],
)
def test_one_number_written_in_different_ways_is_found(where: Jurisdiction, asked: str, stored: str) -> None:
    wanted = lookup.wanted(where, None, asked)
    assert lookup.matches(wanted, Resident(phone=stored))


@pytest.mark.parametrize(
    ("where", "asked", "stored"),
    [
        (KRAKOW, "600111222", "+380 600 111 222"),  # the same digits in another country
        (DROHOBYCH, "067 123 4567", "+48 67 123 45 67"),
        (KRAKOW, "600111222", "600111223"),
        (KRAKOW, "600111222", "call me"),
    ],
)
def test_another_number_is_not_found(where: Jurisdiction, asked: str, stored: str) -> None:
    assert not lookup.matches(lookup.wanted(where, None, asked), Resident(phone=stored))


def test_the_country_comes_from_the_city_definition_else_from_its_language() -> None:
    assert lookup.country_of(KRAKOW) == "PL" and lookup.country_of(DROHOBYCH) == "UA"
    nowhere = Jurisdiction(code="x", default_language="en", settings={})
    assert lookup.country_of(nowhere) is None
    assert lookup.wanted(nowhere, None, "+48 600 111 222").phone == "+48600111222"
    with pytest.raises(DomainError) as refused:  # a number without its country code cannot be read there
        lookup.wanted(nowhere, None, "600 111 222")
    assert refused.value.field == "phone" and "country code" in refused.value.message


@pytest.mark.parametrize("email", ["jan.@x.pl", "jan..kowal@x.pl", "jan@mail_server.pl", "jan@x.pl.", "a@b.c"])
def test_any_address_a_channel_may_have_stored_is_looked_up_without_regard_to_capitals(email: str) -> None:
    wanted = lookup.wanted(KRAKOW, f"  {email.upper()}  ", None)
    assert lookup.matches(wanted, Resident(email=email))


@pytest.mark.parametrize(
    "email", ["jan.example.com", "@x.pl", "jan@", "jan kowal@x.pl", "a\x00b@x.pl", "a" * 250 + "@x.pl"]
)
def test_what_is_not_an_address_is_refused_naming_the_field(email: str) -> None:
    with pytest.raises(DomainError) as refused:
        lookup.wanted(KRAKOW, email, None)
    assert refused.value.field == "email"
