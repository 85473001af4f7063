"""Typed addresses taken apart (the text as the database normalises it: lower-cased, unaccented): the street
kind written before the name, the postcode, the municipality's name and a country are set apart from the street
words and the house number."""

from __future__ import annotations

import pytest

from geo.address_text import parse

CITIES = ("krakow", "краків", "powiat krakowski")


@pytest.mark.parametrize(
    ("typed", "street", "number"),
    [
        ("ul. florianska 12", "florianska", "12"),
        ("ulica florianska 12", "florianska", "12"),
        ("al. adama mickiewicza 22", "adama mickiewicza", "22"),
        ("aleje trzech wieszczow 5", "trzech wieszczow", "5"),
        ("pl. szczepanski 3", "szczepanski", "3"),
        ("plac wszystkich swietych 3", "wszystkich swietych", "3"),
        ("os. centrum a 1", "centrum a", "1"),
        ("вул. флоріанська 12", "флоріанська", "12"),
        ("вулиця шевченка 7", "шевченка", "7"),
        ("просп. свободи 28", "свободи", "28"),
        ("пл. ринок 1", "ринок", "1"),
        ("sw. jana 7", "swiet jana", "7"),
        ("12 florianska", "florianska", "12"),
        ("florianska 12 a", "florianska", "12a"),
        ("florianska 12/3", "florianska", "12/3"),
        ("3 maja 5", "3 maja", "5"),
        ("florianska", "florianska", ""),
    ],
)
def test_the_street_kind_is_left_out_and_the_house_number_set_apart(typed: str, street: str, number: str) -> None:
    parts = parse(typed, CITIES)
    assert (parts.street, parts.number) == (street, number)
    assert parts.postcode is None and parts.municipalities == ()


@pytest.mark.parametrize(
    ("typed", "postcode", "municipalities"),
    [
        ("florianska 12, krakow", None, ("krakow",)),
        ("florianska 12 krakow", None, ("krakow",)),
        ("krakow, florianska 12", None, ("krakow",)),
        ("ul. florianska 12, 31-019 krakow", "31019", ("krakow",)),
        ("florianska 12, 31-019 krakow, polska", "31019", ("krakow",)),
        ("вул. флоріанська 12, 31-019 краків", "31019", ("краків",)),
        ("florianska 12, 31019", "31019", ()),
        ("florianska 12, 32-020 powiat krakowski", "32020", ("powiat krakowski",)),
    ],
)
def test_the_postcode_and_the_municipality_are_set_apart(
    typed: str, postcode: str | None, municipalities: tuple[str, ...]
) -> None:
    parts = parse(typed, CITIES)
    assert (parts.street, parts.number) == ("флоріанська" if "флор" in typed else "florianska", "12")
    assert parts.postcode == postcode and parts.municipalities == municipalities


def test_a_street_named_like_a_municipality_keeps_its_name() -> None:
    assert parse("krakowska 5", CITIES).street == "krakowska"
    assert parse("krakowska 5", CITIES).municipalities == ()


def test_a_postcode_alone_or_a_municipality_alone_leaves_no_street() -> None:
    only_postcode = parse("31-019", CITIES)
    assert (only_postcode.street, only_postcode.postcode) == ("", "31019")
    only_city = parse("krakow", CITIES)
    assert (only_city.street, only_city.municipalities) == ("", ("krakow",))
