"""Who may open which page and call which API endpoint: the role × route matrix as data (ROUTES,
keyed by URL name) and the page decorator, DRF permission class and admin site that enforce it.

Sits beneath every app (imports no app), so jobs, agency and the pages can all use it. What is not
in ROUTES is refused; docs/security.md is generated from ROUTES (`manage.py security_matrix`).
Object scope (an officer's own beat and shift) is in missions/scope.py; why it is built so:
docs/adr/0013-access-matrix.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import wraps

from django.contrib import admin
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission

# Roles are Django groups of these names (agency/roles.py gives each its permissions); "anonymous"
# and "no role" are the two states of a user who holds none.
ANONYMOUS = "anonymous"
NO_ROLE = "no role"
OFFICER = "Officer"
SUPERVISOR = "Supervisor"
ANALYST = "Analyst"
ADMINISTRATOR = "Administrator"
AUDITOR = "Auditor"
# An unattended system (the CAD's incident push) signed in with a service credential: it reaches
# only the routes that name it, not even those open to every signed-in person.
FEED = "Feed"
GROUP_ROLES = (OFFICER, SUPERVISOR, ANALYST, ADMINISTRATOR, AUDITOR, FEED)
COLUMNS = (ANONYMOUS, NO_ROLE, *GROUP_ROLES)

EVERYONE = frozenset(COLUMNS)
SIGNED_IN = EVERYONE - {ANONYMOUS, FEED}
WITH_ROLE = SIGNED_IN - {NO_ROLE}
AUDITORS = frozenset({AUDITOR, ADMINISTRATOR})
OPERATIONAL = frozenset({OFFICER, SUPERVISOR, ANALYST, ADMINISTRATOR})
COMMAND = frozenset({SUPERVISOR, ANALYST, ADMINISTRATOR})
ANALYSIS = frozenset({ANALYST, ADMINISTRATOR})
AUDIT_READERS = frozenset({AUDITOR, SUPERVISOR, ANALYST, ADMINISTRATOR})
FIELD = frozenset({OFFICER})
ADMINS = frozenset({ADMINISTRATOR})
FEEDS = frozenset({FEED})

READ_METHODS = ("GET", "HEAD", "OPTIONS")
OFFICER_SCOPE = "officer: own beat (else own district), shift under way"
SUPERVISOR_SCOPE = "supervisor: own district(s) when the agency sets supervisors_scoped_to_district"
FEED_PUSH_SCOPE = "feed: only the sources its credential names"
FEED_RUNS_SCOPE = "feed: only the runs it pushed"


@dataclass(frozen=True)
class Rule:
    """Roles allowed per HTTP method; HEAD and OPTIONS follow GET. `scope` says, for the docs,
    which objects a role may reach once past the gate."""

    methods: dict[str, frozenset[str]]
    scope: tuple[str, ...] = field(default=())

    def roles(self, method: str) -> frozenset[str]:
        method = "GET" if method in READ_METHODS else method
        return self.methods.get(method, frozenset())


def allow(scope: tuple[str, ...] = (), **methods: frozenset[str]) -> Rule:
    return Rule(methods=methods, scope=scope)


MISSION_SCOPE = (OFFICER_SCOPE, SUPERVISOR_SCOPE)

# Keyed by URL name ("namespace:name" inside a namespace); "admin" stands for the whole admin site.
ROUTES: dict[str, Rule] = {
    # sign-in and health: the only routes open to anonymous users
    "login": allow(GET=EVERYONE, POST=EVERYONE),
    "logout": allow(POST=EVERYONE),
    "api-token": allow(POST=EVERYONE),
    "oidc-login": allow(GET=EVERYONE),  # single sign-on: off to the provider, and back
    "oidc-callback": allow(GET=EVERYONE),
    "healthz": allow(GET=EVERYONE),
    "readyz": allow(GET=EVERYONE),
    # No role reaches the metrics: only the bearer token METRICS_TOKEN does (ops.views.metrics).
    "metrics": allow(),
    "favicon": allow(GET=EVERYONE),
    # the officer page as an installable app: no data in either (browsers fetch the manifest without cookies)
    "web-manifest": allow(GET=EVERYONE),
    "officer-service-worker": allow(GET=EVERYONE),
    "admin:login": allow(GET=EVERYONE, POST=EVERYONE),
    "admin-login": allow(GET=EVERYONE),  # a redirect to the one sign-in page
    "admin:logout": allow(POST=EVERYONE),
    "admin": allow(GET=ADMINS, POST=ADMINS),
    # No admin here has autocomplete fields or models with a public URL: Django refuses both to all.
    "admin:autocomplete": allow(),
    "admin:view_on_site": allow(),
    # pages
    "home": allow(GET=SIGNED_IN),
    "analyst-home": allow(GET=COMMAND),
    "officer-home": allow(GET=OPERATIONAL),
    "supervisor-home": allow(GET=COMMAND),
    "supervisor-board": allow(GET=COMMAND, scope=(SUPERVISOR_SCOPE,)),
    "job-page": allow(GET=COMMAND),
    "ingest-index": allow(GET=COMMAND),
    "ingest-upload": allow(GET=ANALYSIS, POST=ANALYSIS),
    "ingest-run": allow(GET=COMMAND),
    "ingest-rejected-csv": allow(GET=COMMAND),
    "ingest-quality": allow(GET=COMMAND),
    "forecasting-home": allow(GET=COMMAND),
    "model-version": allow(GET=COMMAND),
    "model-backtest": allow(GET=COMMAND),
    "backtest": allow(GET=COMMAND),
    "forecast-map": allow(GET=COMMAND),
    "promote-version": allow(POST=ANALYSIS),
    "train-models": allow(POST=ANALYSIS),
    "forecast-now": allow(POST=ANALYSIS),
    "rebuild-grid": allow(POST=ANALYSIS),
    "missions-shift": allow(GET=COMMAND, scope=(SUPERVISOR_SCOPE,)),
    "missions-plan": allow(POST=ANALYSIS),
    "missions-add": allow(POST=ANALYSIS),
    "missions-suppress": allow(POST=ANALYSIS),
    "missions-cancel": allow(POST=ANALYSIS),
    "missions-lift": allow(POST=ANALYSIS),
    "missions-report": allow(GET=COMMAND),
    "missions-report-csv": allow(GET=COMMAND),
    "missions-sheet": allow(GET=COMMAND, scope=(SUPERVISOR_SCOPE,)),
    "missions-gis": allow(GET=COMMAND, scope=(SUPERVISOR_SCOPE,)),
    "roll-call-briefing": allow(GET=COMMAND, scope=(SUPERVISOR_SCOPE,)),
    "tactics-page": allow(GET=COMMAND),
    # crime-spike alerts: read by anyone on patrol or in command, acknowledged by command staff;
    # each user mutes and subscribes for himself (roles' subscriptions are in the admin)
    "alerts-list": allow(GET=OPERATIONAL),
    "alerts-acknowledge": allow(POST=COMMAND),
    "alerts-mute": allow(POST=OPERATIONAL),
    "alerts-unmute": allow(POST=OPERATIONAL),
    "alerts-subscribe": allow(POST=OPERATIONAL),
    "alerts-unsubscribe": allow(POST=OPERATIONAL),
    "patrol-roster": allow(GET=COMMAND, POST=COMMAND, scope=(SUPERVISOR_SCOPE,)),
    "patrol-roster-remove": allow(POST=COMMAND, scope=(SUPERVISOR_SCOPE,)),
    # a CAD's file of vehicle positions, imported as a job (the page of `manage.py import_avl`)
    "patrol-avl-import": allow(GET=ANALYSIS, POST=ANALYSIS),
    # API: schema and docs need a login in every environment
    "api-schema": allow(GET=OPERATIONAL),
    "api-docs": allow(GET=OPERATIONAL),
    "api-districts": allow(GET=OPERATIONAL),
    "api-beats": allow(GET=OPERATIONAL),
    "shift-list": allow(GET=OPERATIONAL),
    "shift-detail": allow(GET=OPERATIONAL),
    "crimetype-list": allow(GET=OPERATIONAL),
    "crimetype-detail": allow(GET=OPERATIONAL),
    "job-list": allow(GET=COMMAND),
    "job-detail": allow(GET=COMMAND),
    "api-grid": allow(GET=COMMAND),
    "api-streets": allow(GET=OPERATIONAL),  # every map draws them, the officer's too
    "api-forecast": allow(GET=COMMAND, POST=ANALYSIS),
    "api-forecast-run": allow(GET=COMMAND),
    "model-version-list": allow(GET=COMMAND),
    "model-version-detail": allow(GET=COMMAND),
    "model-version-train": allow(POST=ANALYSIS),
    "api-incidents": allow(POST=ANALYSIS | FEEDS, scope=(FEED_PUSH_SCOPE,)),
    "importrun-list": allow(GET=COMMAND | FEEDS, scope=(FEED_RUNS_SCOPE,)),
    "importrun-detail": allow(GET=COMMAND | FEEDS, scope=(FEED_RUNS_SCOPE,)),
    "importrun-rejected": allow(GET=COMMAND | FEEDS, scope=(FEED_RUNS_SCOPE,)),
    # discovery for a feed: what it may push to, and the agency's zone, extent and codes
    "source-list": allow(GET=ANALYSIS | FEEDS, POST=ADMINS, scope=(FEED_PUSH_SCOPE,)),
    "api-agency": allow(GET=OPERATIONAL | FEEDS),
    "api-avl": allow(POST=FEEDS),  # vehicle positions: the AVL feed's only door
    "api-roster": allow(POST=COMMAND | FEEDS, scope=(SUPERVISOR_SCOPE,)),  # the CAD's roster
    "api-officer-missions": allow(GET=OPERATIONAL, scope=MISSION_SCOPE),
    "api-officer-ping": allow(POST=FIELD, scope=(OFFICER_SCOPE,)),
    "api-missions": allow(GET=COMMAND, POST=ANALYSIS, scope=(SUPERVISOR_SCOPE,)),
    "api-missions-plan": allow(POST=ANALYSIS),
    "api-missions-controls": allow(GET=COMMAND),
    "api-missions-gis": allow(GET=COMMAND, scope=(SUPERVISOR_SCOPE,)),
    "api-missions-outcomes": allow(GET=COMMAND),
    "api-missions-report": allow(GET=COMMAND),
    "api-mission": allow(GET=OPERATIONAL, scope=MISSION_SCOPE),
    "api-mission-start": allow(
        POST=FIELD, scope=(OFFICER_SCOPE, "not while another officer is in the box")
    ),
    "api-mission-complete": allow(
        POST=FIELD, scope=(OFFICER_SCOPE, "only an officer who patrolled it")
    ),
    "api-mission-end-early": allow(
        POST=FIELD, scope=(OFFICER_SCOPE, "only an officer who patrolled it")
    ),
    "api-mission-tactics": allow(
        POST=FIELD, scope=(OFFICER_SCOPE, "only an officer who patrolled it, until the shift ends")
    ),
    "api-mission-report": allow(
        POST=FIELD, scope=(OFFICER_SCOPE, "not another officer's active mission")
    ),
    "api-mission-cancel": allow(POST=ANALYSIS),
    "api-suppressions": allow(GET=COMMAND, POST=ANALYSIS),
    "api-suppression-lift": allow(POST=ANALYSIS),
    "api-audit": allow(GET=AUDIT_READERS),
    "api-tactics-report": allow(GET=COMMAND),
    "tactic-list": allow(GET=OPERATIONAL, POST=ANALYSIS),
    "tactic-detail": allow(GET=OPERATIONAL, PUT=ANALYSIS, PATCH=ANALYSIS, DELETE=ANALYSIS),
    # oversight: reports for command staff; the transparency page for everyone, by design (issue 13)
    "oversight-concentration": allow(GET=COMMAND),
    "oversight-concentration-csv": allow(GET=COMMAND),
    "oversight-evaluation": allow(GET=COMMAND),
    "oversight-evaluation-csv": allow(GET=COMMAND),
    # patrol reports from measured exposure (issue 18): command staff; the unit report names units,
    # so never officers
    "oversight-dosage": allow(GET=COMMAND),
    "oversight-dosage-csv": allow(GET=COMMAND),
    "oversight-units": allow(GET=COMMAND),
    "oversight-units-csv": allow(GET=COMMAND),
    "oversight-crime-dosage": allow(GET=COMMAND),
    "oversight-crime-dosage-csv": allow(GET=COMMAND),
    "public-transparency": allow(GET=EVERYONE),
    "public-transparency-json": allow(GET=EVERYONE),
    "public-model-card": allow(GET=EVERYONE),
    # one's own second factor and tokens (a user with no role has no use for tokens)
    "mfa-verify": allow(GET=SIGNED_IN, POST=SIGNED_IN),
    "mfa-enrol": allow(GET=SIGNED_IN, POST=SIGNED_IN),
    "mfa-qr": allow(GET=SIGNED_IN),
    "mfa-recovery-codes": allow(POST=SIGNED_IN),
    "account-tokens": allow(GET=WITH_ROLE, POST=WITH_ROLE),
    "api-tokens": allow(GET=WITH_ROLE),
    "api-token-revoke": allow(DELETE=WITH_ROLE),
    "api-logout": allow(POST=SIGNED_IN),
    # the audit log: its readers, and nobody else
    "audit-log": allow(GET=AUDITORS),
    "audit-log-csv": allow(GET=AUDITORS),
}


def roles_of(user) -> frozenset[str]:
    """The user's roles (groups named as roles; a superuser is an administrator), cached on the user."""
    if user is None or not user.is_authenticated:
        return frozenset({ANONYMOUS})
    cached = getattr(user, "_access_roles", None)
    if cached is None:
        names = set(user.groups.filter(name__in=GROUP_ROLES).values_list("name", flat=True))
        if user.is_superuser:
            names.add(ADMINISTRATOR)
        cached = frozenset(names or {NO_ROLE})
        user._access_roles = cached
    return cached


# A user in several groups lands on, and is recorded under, the most powerful one.
PRECEDENCE = (ADMINISTRATOR, AUDITOR, ANALYST, SUPERVISOR, OFFICER, FEED)


def main_role(user) -> str | None:
    """The user's first role in PRECEDENCE (superusers are administrators); None without one."""
    roles = roles_of(user)
    return next((role for role in PRECEDENCE if role in roles), None)


def has_role(user, *roles: str) -> bool:
    return bool(roles_of(user) & set(roles))


def route_key(view_name: str) -> str:
    """The ROUTES key of a resolved view name: admin views share one row but its login page."""
    if view_name.startswith("admin:") and view_name not in ROUTES:
        return "admin"
    return view_name


def allowed(user, view_name: str, method: str) -> bool:
    rule = ROUTES.get(route_key(view_name))
    return rule is not None and bool(roles_of(user) & rule.roles(method))


def refusal(user, view_name: str, method: str) -> str:
    rule = ROUTES.get(route_key(view_name))
    if rule is None:
        return f"{view_name!r} is not in the access matrix, so nobody may use it."
    needed = sorted(rule.roles(method)) or ["nobody"]
    return f"{method} {view_name} is for: {', '.join(needed)}."


def page(view):
    """Guards a page by its row in ROUTES: anonymous users go to the login page, others get 403."""

    @wraps(view)
    def guarded(request, *args, **kwargs):
        name = request.resolver_match.view_name
        if allowed(request.user, name, request.method):
            return view(request, *args, **kwargs)
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise PermissionDenied(refusal(request.user, name, request.method))

    return guarded


# Menu links shown to fewer roles than the route opens to: officers may read the API docs (their
# MDT's API) but their menu holds only their own pages.
MENU_ROLES: dict[str, frozenset[str]] = {"api-docs": COMMAND}


def in_menu(user, view_name: str) -> bool:
    """Whether the menu links to the page: the user may open it and it is in his menu."""
    menu_roles = MENU_ROLES.get(view_name)
    in_his_menu = menu_roles is None or bool(roles_of(user) & menu_roles)
    return in_his_menu and allowed(user, view_name, "GET")


class _Gate:
    """`may.missions_report` in the menu: whether it links to that page (URL name with `_`)."""

    def __init__(self, user):
        self.user = user

    def __getitem__(self, name: str) -> bool:
        return in_menu(self.user, name.replace("_", "-"))


def context_processor(request) -> dict:
    """Templates show links by the same matrix that guards the pages. A request refused before
    authentication ran (a bad Host: the 400 page) has no user: it sees the anonymous links."""
    return {"may": _Gate(getattr(request, "user", None) or AnonymousUser())}


class RouteMatrix(BasePermission):
    """DRF permission: the request's route and method must allow one of the user's roles."""

    def has_permission(self, request, view):
        name = request.resolver_match.view_name
        if allowed(request.user, name, request.method):
            return True
        self.message = refusal(request.user, name, request.method)
        return False


class AdminSite(admin.AdminSite):
    """The Django admin for administrators only (the role decides, not the is_staff flag alone)."""

    def has_permission(self, request):
        return request.user.is_active and allowed(request.user, "admin:index", request.method)

    def admin_view(self, view, cacheable=False):
        """A signed-in user without the role is refused (403, audited as a denial) rather than
        sent back to a login form he has already passed."""
        inner = super().admin_view(view, cacheable)

        @wraps(view)
        def guarded(request, *args, **kwargs):
            if request.user.is_authenticated and not self.has_permission(request):
                raise PermissionDenied(refusal(request.user, "admin:index", request.method))
            return inner(request, *args, **kwargs)

        return guarded
