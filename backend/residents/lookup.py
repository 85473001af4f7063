"""Finding a person by the e-mail address or the phone number they gave, as any channel may have stored it.

The e-mail address matches without regard to capitals and surrounding spaces; any address a channel accepts can be
looked up (Open311 takes `jan..kowal@x.pl` or `a@b.c`). Phone numbers match in their international (E.164) form,
numbers written without a country code read as numbers of the municipality's country: in Kraków `+48600111222`,
`0048 600 111 222` and `600-111-222` are one number. Stored numbers are read the same way, and only those whose
digits end with the number asked for are read at all."""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from sqlalchemy import ColumnElement, false, func, or_

from backend.errors import DomainError
from backend.i18n import gettext
from backend.models import Jurisdiction, Resident

#: An e-mail address as a channel may have stored it: something, "@", something, no spaces or control characters.
EMAIL = re.compile(r"\A[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+\Z")
EMAIL_MAX = 254
#: A phone number as people write it: digits, spaces, dashes, dots, brackets, a leading plus or 00.
PHONE = re.compile(r"\A\+?[0-9][0-9 ()./-]*\Z")
PHONE_MAX = 40
#: The country of a municipality whose definition names none (`settings.country`), by its default language.
COUNTRY_BY_LANGUAGE = {"pl": "PL", "uk": "UA"}


@dataclass(frozen=True, slots=True)
class Wanted:
    """What was asked for: the e-mail address in small letters, the phone number in E.164 and the country in
    which numbers without a country code are read."""

    email: str | None
    phone: str | None
    national: str | None
    region: str | None


def country_of(jurisdiction: Jurisdiction) -> str | None:
    """The municipality's country (ISO 3166 code), for phone numbers written without a country code."""
    given = str((jurisdiction.settings or {}).get("country") or "").upper()
    country = given or COUNTRY_BY_LANGUAGE.get(jurisdiction.default_language, "")
    return country if country in phonenumbers.SUPPORTED_REGIONS else None


def international(raw: str | None, region: str | None) -> phonenumbers.PhoneNumber | None:
    """The number as written, read in `region` if it has no country code; None if it cannot be read."""
    if not raw:
        return None
    if region is None and raw.startswith("00"):  # the international prefix of most countries
        raw = "+" + raw[2:]
    try:
        return phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None


def e164(number: phonenumbers.PhoneNumber | None) -> str | None:
    return None if number is None else phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def wanted(jurisdiction: Jurisdiction, email: str | None, phone: str | None) -> Wanted:
    """The e-mail address and phone number asked for, checked (DomainError naming the field)."""
    email = (email or "").strip() or None
    phone = (phone or "").strip() or None
    if email is not None and (len(email) > EMAIL_MAX or not EMAIL.fullmatch(email)):
        raise DomainError(gettext("Not a valid email address."), field="email")
    region, number = country_of(jurisdiction), None
    if phone is not None:
        digits = re.sub(r"[^0-9]", "", phone)
        if len(phone) > PHONE_MAX or not PHONE.fullmatch(phone) or len(digits) < 3:
            raise DomainError(gettext("Not a phone number."), field="phone")
        number = international(phone, region)
        if number is None and region is None and not phone.startswith(("+", "00")):
            raise DomainError(gettext("Write the phone number with its country code (+…)."), field="phone")
        if number is None:
            raise DomainError(gettext("Not a phone number."), field="phone")
    if email is None and number is None:
        raise DomainError(gettext("Give the e-mail address or the phone number the person gave."), field="email")
    national = None if number is None else phonenumbers.national_significant_number(number)
    return Wanted(None if email is None else email.lower(), e164(number), national, region)


def candidates(w: Wanted) -> ColumnElement[bool]:
    """Resident records that may be the person (`matches` decides): the same e-mail address, or a phone number
    whose digits end with the national number asked for."""
    given: list[ColumnElement[bool]] = []
    if w.email is not None:
        given.append(func.lower(func.btrim(Resident.email)) == w.email)
    if w.national is not None:
        given.append(func.regexp_replace(Resident.phone, "[^0-9]", "", "g").endswith(w.national))
    return or_(false(), *given)


def matches(w: Wanted, r: Resident) -> bool:
    """Whether the record holds the e-mail address or the phone number asked for."""
    if w.email is not None and (r.email or "").strip().lower() == w.email:
        return True
    return w.phone is not None and e164(international(r.phone, w.region)) == w.phone
