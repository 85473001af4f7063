"""The one declarative access policy of the staff side: endpoint -> roles allowed.

Reviewed as a table. The admin API and the staff web UI guard every route with its entry (`admin/policy.py`);
the use cases read the entries that are rules rather than routes (who sees a reporter's contact data).
Jurisdiction and department rules apply on top, in the use cases: staff see only their own jurisdiction's
reports (anything else is 404), department staff only the reports routed to their department.
"""

from __future__ import annotations

from backend.i18n import gettext
from backend.models import StaffUser

ALL = frozenset({"admin", "manager", "dispatcher", "department_staff", "viewer"})
TRIAGE = frozenset({"admin", "manager", "dispatcher"})

#: endpoint -> roles; None means "no staff login needed" (signing in itself).
POLICY: dict[str, frozenset[str] | None] = {
    "tokens.create": None,
    "tokens.delete": ALL,
    "me.get": ALL,
    # Changing one's own password (the API and the web UI's account page).
    "me.password": ALL,
    # A forgotten password: asking for a link by e-mail and setting a new one with it (no sign-in).
    "password_reset.request": None,
    "password_reset.confirm": None,
    # The web UI's page for changing one's own password.
    "account.password": ALL,
    "me.second_factor": ALL,
    "me.second_factor_start": ALL,
    "me.second_factor_confirm": ALL,
    "me.recovery_codes": ALL,
    "me.second_factor_off": ALL,
    "staff.second_factor_reset": frozenset({"admin"}),
    "reports.get": ALL,
    # Not a route: who sees a reporter's name, e-mail and phone on a report (viewers and read-only keys do not).
    "reports.contact": frozenset({"admin", "manager", "dispatcher", "department_staff"}),
    "reports.list": ALL,
    "reports.overdue": ALL,
    "photos.moderate": TRIAGE,
    "audit.list": frozenset({"admin"}),
    # A person's data on their request (found by their e-mail address or phone): the export shows every contact
    # field and the erasure cannot be undone, so only the municipality's administrators (second factor required).
    "personal_data.export": frozenset({"admin"}),
    "personal_data.erase": frozenset({"admin"}),
    # A report's audit trail; viewers (and API keys) see it without staff IP addresses and redacted text.
    "reports.audit": frozenset({"admin", "manager", "dispatcher", "viewer"}),
    # Not a route: who sees staff IP addresses and the original of a redacted description in audit trails.
    "reports.audit_private": frozenset({"admin", "manager", "dispatcher"}),
    "reports.status": frozenset({"admin", "dispatcher", "department_staff"}),
    "reports.assign": frozenset({"admin", "dispatcher"}),
    "reports.priority": frozenset({"admin", "dispatcher"}),
    "reports.reply": frozenset({"admin", "dispatcher", "department_staff"}),
    "reports.note": frozenset({"admin", "manager", "dispatcher", "department_staff"}),
    "reports.recategorise": frozenset({"admin", "dispatcher"}),
    "reports.move": frozenset({"admin", "dispatcher"}),
    "reports.merge": frozenset({"admin", "dispatcher"}),
    "reports.moderate": frozenset({"admin", "manager", "dispatcher"}),
    "reports.bulk": frozenset({"admin", "dispatcher"}),
    "reports.template_reply": frozenset({"admin", "dispatcher", "department_staff"}),
    "broadcasts.preview": frozenset({"admin", "manager"}),
    "broadcasts.list": frozenset({"admin", "manager"}),
    "broadcasts.create": frozenset({"admin", "manager"}),
    "broadcasts.get": frozenset({"admin", "manager"}),
    "broadcasts.cancel": frozenset({"admin", "manager"}),
    "surveys.list": frozenset({"admin", "manager"}),
    "surveys.create": frozenset({"admin", "manager"}),
    "surveys.get": frozenset({"admin", "manager"}),
    "surveys.update": frozenset({"admin", "manager"}),
    "surveys.publish": frozenset({"admin", "manager"}),
    "surveys.close": frozenset({"admin", "manager"}),
    "surveys.results": frozenset({"admin", "manager"}),
    "surveys.invite": frozenset({"admin", "manager"}),
    "indicators.list": ALL,
    "indicators.values": ALL,
    "indicators.create": frozenset({"admin"}),
    "indicators.update": frozenset({"admin"}),
    "indicators.recompute": frozenset({"admin", "manager"}),
    # The web UI's dashboard (managers and up; the values come from the indicator feed's tables).
    "dashboard.view": frozenset({"admin", "manager"}),
    # The web UI's administration pages (no API routes).
    "manage.view": frozenset({"admin"}),
    "manage.staff_create": frozenset({"admin"}),
    "manage.staff_active": frozenset({"admin"}),
    "manage.department_create": frozenset({"admin"}),
    "manage.service_update": frozenset({"admin"}),
    "manage.key_create": frozenset({"admin"}),
    "manage.key_revoke": frozenset({"admin"}),
    "manage.second_factor_reset": frozenset({"admin"}),
    # The web UI's own account page (the second factor).
    "account.view": ALL,
}

#: Machine clients (API keys): endpoint -> scope a key needs. Endpoints not listed refuse keys.
KEY_SCOPES: dict[str, str] = {
    "reports.list": "reports:read",
    "reports.get": "reports:read",
    "reports.overdue": "reports:read",
    "reports.audit": "reports:read",
    "reports.status": "reports:write",
    "reports.assign": "reports:write",
    "reports.priority": "reports:write",
    "reports.reply": "reports:write",
    "reports.note": "reports:write",
    "reports.template_reply": "reports:write",
    "indicators.list": "indicators:read",
    "indicators.values": "indicators:read",
}
#: The role every key acts with: a key sees what a viewer sees; its scopes add the actions above and the rules below.
KEY_ROLE = "viewer"
#: Rules (not routes) that a key is granted by a scope of its own rather than by its role.
KEY_GRANTS: dict[str, str] = {"reports.contact": "reports:contact"}
#: Scopes that only add to another scope: a key with one of these needs one of the others as well.
ADD_ON_SCOPES: dict[str, tuple[str, ...]] = {"reports:contact": ("reports:read", "reports:write")}


def allowed(role: str, entry: str) -> bool:
    """Whether `role` may do what the policy entry names (an entry of None: anyone)."""
    roles = POLICY[entry]
    return roles is None or role in roles


def sees(staff: StaffUser, entry: str) -> bool:
    """Whether this person, or the machine client acting as staff, may see what the rule `entry` names."""
    if staff.key_scopes is not None:
        scope = KEY_GRANTS.get(entry)
        return scope is not None and scope in staff.key_scopes
    return allowed(staff.role, entry)


def key_allows(scopes: list[str] | frozenset[str], endpoint: str) -> bool:
    """Whether a key with these scopes may call `endpoint` (a writer may also read reports)."""
    needed = KEY_SCOPES.get(endpoint)
    if needed is None:
        return False
    return needed in scopes or (needed == "reports:read" and "reports:write" in scopes)


def scope_label(scope: str, lang: str | None = None) -> str:
    """A key's scope in words, in `lang` (default: the request's language)."""
    words = {
        "open311:write": gettext("Open311: submit reports", lang),
        "open311:read": gettext("Open311: read reports", lang),
        "reports:read": gettext("Read reports (no contact data)", lang),
        "reports:write": gettext("Triage reports (no contact data)", lang),
        "reports:contact": gettext("Reporters' contact data", lang),
        "indicators:read": gettext("Read indicators", lang),
        "surveys:read": gettext("Read survey results", lang),
    }
    return words.get(scope, scope)
