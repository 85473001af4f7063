"""The staff password rule: long enough, not a common password (Polish and Ukrainian ones included), not easy to
guess, not built on the person's e-mail, name or municipality; each refusal says why, in pl/uk/en."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.i18n import gettext
from backend.staff import passwords
from backend.staff.passwords import WeakPassword, check

ROOT = Path(__file__).resolve().parents[2]
ANNA = {"email": "anna.nowak@krakow.example", "full_name": "Anna Nowak", "place_names": ["Kraków", "Краків"]}
COMMON = "This is one of the most common passwords, which are tried first. Choose another one."
PERSONAL = (
    "The password is too easy to guess: it is built on the e-mail address, the name or the municipality's "
    "name. Choose words that have nothing to do with them."
)
GUESSABLE = (
    "The password is too easy to guess. Use a longer phrase of several unrelated words; avoid names, dates, "
    "keyboard patterns and repeated characters."
)


def refusal(password: str, **who: object) -> str:
    with pytest.raises(WeakPassword) as caught:
        check(password, **{**ANNA, **who})  # type: ignore[arg-type]
    assert caught.value.field == "password"
    return caught.value.message


@pytest.mark.parametrize(
    "password",
    [
        "correct horse battery staple",
        "tramwaj-obwarzanek-demo",
        "Anna likes quiet tram rides",
        "Zielony rower stoi pod Wawelem",
    ],
)
def test_a_long_unguessable_password_is_accepted(password: str) -> None:
    check(password, **ANNA)  # type: ignore[arg-type]


def test_too_short_and_too_long_are_refused_saying_how_long() -> None:
    assert refusal("Xq7#mP2!vL9") == "The password is too short: use at least 12 characters."
    assert refusal("x" * 1025) == "The password is too long: use at most 1024 characters."


def test_a_password_longer_than_zxcvbn_scores_is_judged_on_its_beginning_and_on_the_whole() -> None:
    phrase = "Zielony rower stoi pod Wawelem, a obok niego czeka tramwaj do Nowej Huty i dalej na Bieńczyce"
    assert 72 < len(phrase) <= 1024
    check(phrase, **ANNA)  # type: ignore[arg-type]
    check((phrase * 11)[:1024], **ANNA)  # type: ignore[arg-type]
    assert refusal("a" * 100) == GUESSABLE
    assert refusal("Kraków-Anna-Nowak-" * 5) == PERSONAL


@pytest.mark.parametrize(
    "password",
    [
        "zaq12wsxcde3",  # the Polish keyboard classic, lengthened
        "ZAQ1xsw2CDE3",  # in any letter case
        "простопароль",  # "just a password": "ghjcnjgfhjkm" typed with the Cyrillic layout on
        "йцукенфівапр",  # two rows of the Ukrainian keyboard, which zxcvbn alone scores as strong
    ],
)
def test_common_polish_and_ukrainian_passwords_are_refused_as_common(password: str) -> None:
    assert refusal(password) == COMMON


def test_the_bundled_list_holds_polish_and_ukrainian_passwords_and_ships_with_its_licence() -> None:
    common = passwords.common_passwords()
    assert len(common) > 40_000
    assert {"kochamcie", "haslo", "polska", "zaq12wsx", "ukraina", "parol", "gfhjkm"} <= common
    folder = ROOT / "backend" / "staff" / "common_passwords"
    assert "Permission is hereby granted" in (folder / "LICENSE.txt").read_text()
    assert "@zxcvbn-ts/language-common" in (folder / "README.md").read_text()


@pytest.mark.parametrize(
    "password",
    ["anna.nowak@krakow.example", "AnnaNowak1990", "Kraków-Anna-Nowak", "annanowakkrakow", "Краків-anna-nowak"],
)
def test_a_password_built_on_the_e_mail_name_or_municipality_is_refused(password: str) -> None:
    assert refusal(password) == PERSONAL


def test_the_same_words_are_fine_for_someone_else() -> None:
    check("AnnaNowak1990-", email="jan.kowal@powiat.example", full_name="Jan Kowal", place_names=["Powiat"])


@pytest.mark.parametrize("password", ["aaaaaaaaaaaaaaaa", "1234512345123451", "abcabcabcabcabc"])
def test_an_easy_to_guess_password_is_refused_with_advice(password: str) -> None:
    assert refusal(password) == GUESSABLE


def test_the_reasons_are_given_in_polish_and_ukrainian() -> None:
    for message in (COMMON, PERSONAL, GUESSABLE, "The password is too short: use at least {n} characters."):
        assert gettext(message, "pl") != message
        assert gettext(message, "uk") != message
    assert "za krótkie" in gettext("The password is too short: use at least {n} characters.", "pl", n=12)
    assert "закороткий" in gettext("The password is too short: use at least {n} characters.", "uk", n=12)
