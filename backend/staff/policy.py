"""The one declarative access policy of the staff side: endpoint -> roles allowed.

Reviewed as a table. The admin API and the staff web UI guard every route with its entry (`admin/policy.py`);
the use cases read the entries that are rules rather than routes (who sees a reporter's contact data).
Jurisdiction and department rules apply on top, in the use cases: staff see only their own jurisdiction's
reports (anything else is 404), department staff only the reports routed to their department.
"""

from __future__ import annotations

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
    "reports.audit": frozenset({"admin", "manager", "dispatcher"}),
    "reports.status": frozenset({"admin", "dispatcher", "department_staff"}),
    "reports.assign": frozenset({"admin", "dispatcher"}),
    "reports.priority": frozenset({"admin", "dispatcher"}),
    "reports.reply": frozenset({"admin", "dispatcher", "department_staff"}),
    "reports.note": frozenset({"admin", "manager", "dispatcher", "department_staff"}),
    "reports.recategorise": frozenset({"admin", "dispatcher"}),
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
#: The role a key acts with: writers triage like dispatchers, readers see like viewers (no contact data).
KEY_ROLE = {"reports:write": "dispatcher", "reports:read": "viewer"}


def allowed(role: str, entry: str) -> bool:
    """Whether `role` may do what the policy entry names (an entry of None: anyone)."""
    roles = POLICY[entry]
    return roles is None or role in roles
