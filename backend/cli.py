"""The `hromada` command: a Flask CLI group (it reads .env from the checkout)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import text

from backend import cities, db_roles, indicators, migrate, reporting, staff, surveys
from backend.app import create_app
from backend.errors import CityDefinitionError, DomainError
from backend.models import ROLES, SCOPES
from backend.redaction import private_engine
from backend.settings import ConfigurationError


def _create_app() -> object:
    try:
        return create_app()
    except ConfigurationError as exc:  # e.g. no SECRET_KEY: say why, without a traceback
        raise SystemExit(str(exc)) from None


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def main() -> None:
    """Hromada: residents report, staff triage, managers measure."""


def _db_url() -> str:
    """Migrations connect as the owner of the tables (DATABASE_OWNER_URL, else DATABASE_URL)."""
    url: str = current_app.config["HROMADA_SETTINGS"].owner_database_url
    return url


def _app_role() -> str | None:
    """The role web, worker and beat connect as (DATABASE_URL's user): the migrations grant it what it needs."""
    return migrate.role_of(current_app.config["HROMADA_SETTINGS"].DATABASE_URL)


@main.group()
def db() -> None:
    """Database migrations (Alembic)."""


@db.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Migrate the database up to REVISION (default: head)."""
    migrate.upgrade(_db_url(), revision, app_role=_app_role())


@db.command("downgrade")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision: str) -> None:
    """Migrate the database down to REVISION (e.g. base, -1)."""
    migrate.downgrade(_db_url(), revision, app_role=_app_role())


@db.command("grant")
@with_appcontext
def db_grant() -> None:
    """Give DATABASE_URL's role what the application needs (again), connected as the owner of the tables
    (DATABASE_OWNER_URL): for an install that had one role for both, moving to a role that owns nothing."""
    role = _app_role()
    engine = private_engine(_db_url())
    try:
        with engine.begin() as conn:
            granted = db_roles.role_to_grant(conn, role)
            if granted is not None:
                db_roles.grant(conn, granted)
            owner = conn.scalar(text("SELECT current_user"))
    except db_roles.RoleMissing as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        engine.dispose()
    if granted is None:
        raise click.ClickException(
            f"DATABASE_URL connects as {owner!r}, the owner of the tables (DATABASE_OWNER_URL): there is nothing to "
            "grant. Create a role that owns nothing, set DATABASE_URL to it and DATABASE_OWNER_URL to the owner, "
            "then run this again (see README, Upgrading to separate database roles)"
        )
    click.echo(f"granted {granted!r} what the application needs on the tables of {owner!r}")


@db.command("current")
@with_appcontext
def db_current() -> None:
    """Show the database's revision."""
    migrate.current(_db_url())


@db.command("revision")
@click.option("-m", "--message", required=True)
@with_appcontext
def db_revision(message: str) -> None:
    """Autogenerate a migration from the models (review it before committing)."""
    migrate.revision(_db_url(), message)


def _fail(exc: DomainError) -> None:
    where = f"{exc.field}: " if exc.field and not isinstance(exc, CityDefinitionError) else ""
    click.echo(f"error: {where}{exc.message}", err=True)
    sys.exit(2)


@main.command("load-city")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
@with_appcontext
def load_city(path: Path) -> None:
    """Load or update a city directory (city.yaml + boundaries) in one transaction."""

    try:
        summary = cities.load_city(path)
    except DomainError as exc:
        _fail(exc)
        return
    click.echo(summary)


@main.command("load-addresses")
@click.argument("jurisdiction_code")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def load_addresses(jurisdiction_code: str, path: Path) -> None:
    """Replace a jurisdiction's address register with a CSV or GeoJSON file of address points."""

    try:
        count = cities.load_addresses(jurisdiction_code, path)
    except DomainError as exc:
        _fail(exc)
        return
    click.echo(f"{jurisdiction_code}: {count} addresses loaded")


@main.command("load-waste-schedule")
@click.argument("jurisdiction_code")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def load_waste_schedule(jurisdiction_code: str, path: Path) -> None:
    """Replace a municipality's waste-collection schedule with a CSV (area,street,date,fraction)."""

    try:
        count = cities.load_schedule(jurisdiction_code, path)
    except DomainError as exc:
        _fail(exc)
        return
    click.echo(f"{jurisdiction_code}: {count} collections loaded")


@main.command("import-survey")
@click.argument("jurisdiction_code")
@click.argument("survey_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("responses_csv", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_survey(jurisdiction_code: str, survey_file: Path, responses_csv: Path) -> None:
    """Import a representative survey: its definition and column mapping (YAML) and the responses (CSV)."""

    try:
        done = surveys.import_survey(jurisdiction_code, survey_file, responses_csv)
    except DomainError as exc:
        _fail(exc)
        return
    click.echo(
        f"{jurisdiction_code}: survey {done['survey_id']} imported, {done['responses']} responses, "
        f"{done['answers']} answers"
    )


@main.command("create-staff")
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--jurisdiction", "jurisdiction_code", required=True, help="Jurisdiction code (TERYT).")
@click.option("--department", "department_code", default=None)
@click.option("--name", "full_name", default=None)
@click.option("--if-missing", is_flag=True, help="Do nothing when the e-mail already exists.")
@click.option("--totp-secret", default=None, help="Enrol a known second factor (base32 TOTP secret) at once.")
@with_appcontext
def create_staff(
    email: str,
    password: str,
    role: str,
    jurisdiction_code: str,
    department_code: str | None,
    full_name: str | None,
    if_missing: bool,
    totp_secret: str | None,
) -> None:
    """Create a staff account."""

    try:
        user, created = staff.create_staff(
            email=email,
            password=password,
            role=role,
            jurisdiction_code=jurisdiction_code,
            department_code=department_code,
            full_name=full_name,
            if_missing=if_missing,
            totp_secret=totp_secret,
        )
    except DomainError as exc:
        _fail(exc)
        return
    click.echo(f"{'created' if created else 'exists'}: staff {user.email} ({user.role})")


@main.command("reset-second-factor")
@click.argument("email")
@with_appcontext
def reset_second_factor(email: str) -> None:
    """Remove a staff member's second factor (a lost phone and no admin to reset it); audited. An admin enrols
    again at the next sign-in."""

    try:
        staff.reset_second_factor_by_email(email)
    except DomainError as exc:
        _fail(exc)
        return
    click.echo(f"second factor reset: {email}")


@main.command("create-api-key")
@click.option("--name", required=True)
@click.option("--jurisdiction", "jurisdiction_code", required=True)
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    required=True,
    type=click.Choice(SCOPES),
    help="Repeat for several; reports:contact (reporters' contact data) only with reports:read or reports:write.",
)
@with_appcontext
def create_api_key(name: str, jurisdiction_code: str, scopes: tuple[str, ...]) -> None:
    """Create an API key; the key is printed once, on the last line."""

    try:
        key, secret = staff.create_api_key(name=name, jurisdiction_code=jurisdiction_code, scopes=list(scopes))
    except DomainError as exc:
        _fail(exc)
        return
    click.echo(f"API key {key.prefix} for {name}, scopes {' '.join(key.scopes)}; store it now:")
    click.echo(secret)


@main.command("import-requests")
@click.argument("jurisdiction_code")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_requests(jurisdiction_code: str, path: Path) -> None:
    """Import historical service requests (CSV like a 311 export, or GeoReport v2 JSON; .gz accepted)."""

    try:
        done = reporting.import_requests(jurisdiction_code, path)
    except DomainError as exc:
        _fail(exc)
        return
    click.echo(
        f"{jurisdiction_code}: read {done['read']}, imported {done['imported']}, "
        f"already imported {done['already']}, rejected {sum(done['rejected'].values())}"
    )
    for reason, count in sorted(done["rejected"].items()):
        click.echo(f"  rejected {count}: {reporting.REJECTIONS[reason]}")
    created = done["services_created"]
    if created:
        more = f", … (+{len(created) - 12} more)" if len(created) > 12 else ""
        click.echo(
            f"  {len(created)} services created (flagged as imported, not offered to residents): "
            f"{', '.join(created[:12])}{more}"
        )


@main.command("load-indicators")
@click.argument("jurisdiction_code")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Overwrite indicators that exist (admins' edits included).")
@with_appcontext
def load_indicators(jurisdiction_code: str, path: Path, replace: bool) -> None:
    """Seed a municipality's indicator catalogue from YAML (new codes are added; existing ones kept)."""

    try:
        done = indicators.load_catalogue(jurisdiction_code, path, replace=replace)
    except DomainError as exc:
        _fail(exc)
        return
    click.echo(
        f"{jurisdiction_code}: indicators created {done['created']}, replaced {done['updated']}, kept {done['kept']}"
    )


@main.command("compute-indicators")
@click.argument("jurisdiction_code")
@click.option("--from", "first", default=None, help="First month, YYYY-MM (default: the configured history).")
@click.option("--to", "last", default=None, help="Last month, YYYY-MM (default: the current month).")
@click.option("--indicator", "codes", multiple=True, help="Only these indicators (repeatable).")
@with_appcontext
def compute_indicators(jurisdiction_code: str, first: str | None, last: str | None, codes: tuple[str, ...]) -> None:
    """Recompute a municipality's indicator values now (the beat does it nightly and for changed months)."""

    try:
        jid = indicators.jurisdiction_by_slug(jurisdiction_code)
        bounds = [indicators.parse_period(v)[1] if v else None for v in (first, last)]
    except ValueError:
        click.echo("error: a month is YYYY-MM", err=True)
        sys.exit(2)
    except DomainError as exc:
        _fail(exc)
        return
    done = indicators.recompute(jid, bounds[0], bounds[1], list(codes) or None)
    click.echo(
        f"{jurisdiction_code}: {len(done['indicators'])} indicators, {done['values']} values, "
        f"{done['from']}…{done['to']}, {done['seconds']} s"
    )
