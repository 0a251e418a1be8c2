"""Every action the audit log records, with what it means: the one list of action names.

`audit.services.record` refuses a name that is not here, and tests/audit/test_actions.py checks
the source and the events the test suite writes against it (docs/adr/0021). Names are dotted,
area first; `missions.<verb>` events are written by `missions.services.common.audit`.
"""

from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    def __new__(cls, name: str, description: str):
        member = str.__new__(cls, name)
        member._value_ = name
        member.description = description
        return member

    # Signing in and who may do what
    AUTH_LOGIN = "auth.login", "A user signed in."
    AUTH_LOGIN_FAILED = "auth.login_failed", "A sign-in was refused (wrong name or password)."
    AUTH_LOGOUT = "auth.logout", "A user signed out."
    AUTH_LOCKOUT = "auth.lockout", "An account was locked after repeated failed sign-ins."
    AUTH_UNLOCK = "auth.unlock", "An administrator unlocked a locked account."
    AUTH_USER_ACCESS_FLAGS = (
        "auth.user.access_flags",
        "A user's active, staff or superuser flag changed.",
    )
    AUTH_USER_GROUPS_ADD = "auth.user.groups.add", "A user was given a role (group)."
    AUTH_USER_GROUPS_REMOVE = "auth.user.groups.remove", "A user lost a role (group)."
    AUTH_USER_GROUPS_CLEAR = "auth.user.groups.clear", "A user lost every role (group)."
    AUTH_USER_PERMISSIONS_ADD = "auth.user.permissions.add", "A user was given a permission."
    AUTH_USER_PERMISSIONS_REMOVE = "auth.user.permissions.remove", "A user lost a permission."
    AUTH_USER_PERMISSIONS_CLEAR = "auth.user.permissions.clear", "A user lost every permission."
    AUTH_GROUP_PERMISSIONS_ADD = "auth.group.permissions.add", "A role was given a permission."
    AUTH_GROUP_PERMISSIONS_REMOVE = "auth.group.permissions.remove", "A role lost a permission."
    AUTH_GROUP_PERMISSIONS_CLEAR = (
        "auth.group.permissions.clear",
        "A role lost every permission.",
    )
    MFA_ENROLLED = "mfa.enrolled", "A user set up two-factor sign-in."
    MFA_FAILED = "mfa.failed", "A two-factor code was refused."
    MFA_VERIFIED = "mfa.verified", "A two-factor code was accepted at sign-in."
    MFA_RECOVERY_CODES_REGENERATED = (
        "mfa.recovery_codes_regenerated",
        "A user made new recovery codes.",
    )
    MFA_RECOVERY_CODE_USED = "mfa.recovery_code_used", "A recovery code was used to sign in."
    MFA_AT_PROVIDER = (
        "mfa.at_provider",
        "A directory sign-in's second factor was done at the identity provider (amr/acr).",
    )
    SSO_LOGIN = (
        "sso.login",
        "A user signed in through the directory (OIDC or LDAP); the roles and scope it gave.",
    )
    SSO_LOGIN_FAILED = (
        "sso.login_failed",
        "A directory sign-in was refused (bad token, replayed callback, no mapped group…).",
    )
    TOKEN_CREATED = "token.created", "An API token was issued."
    TOKEN_REVOKED = "token.revoked", "An API token was revoked."
    USER_DISABLED = "user.disabled", "A dormant or expired account was disabled."
    ACCESS_DENIED = "access.denied", "A request was refused for lack of permission."

    # The Django admin and the audit log itself
    ADMIN_ADD = "admin.add", "A row was added in the admin."
    ADMIN_CHANGE = "admin.change", "A row was changed in the admin."
    ADMIN_DELETE = "admin.delete", "A row was deleted in the admin."
    AUDIT_PURGE = "audit.purge", "Audit events past retention were removed."

    # Configuration that planning depends on
    CONFIG_CRIMETYPE_CREATE = "config.crimetype.create", "A crime type was added."
    CONFIG_CRIMETYPE_CHANGE = "config.crimetype.change", "A crime type (weight, efficacy…) changed."
    CONFIG_CRIMETYPE_DELETE = "config.crimetype.delete", "A crime type was deleted."
    CONFIG_MISSIONPOLICY_CREATE = "config.missionpolicy.create", "The mission policy was created."
    CONFIG_MISSIONPOLICY_CHANGE = "config.missionpolicy.change", "The mission policy changed."
    CONFIG_MISSIONPOLICY_DELETE = "config.missionpolicy.delete", "The mission policy was deleted."
    CONFIG_SHIFT_CREATE = "config.shift.create", "A shift was added."
    CONFIG_SHIFT_CHANGE = "config.shift.change", "A shift's times or name changed."
    CONFIG_SHIFT_DELETE = "config.shift.delete", "A shift was deleted."
    CONFIG_TACTIC_CREATE = "config.tactic.create", "A tactic was added."
    CONFIG_TACTIC_CHANGE = "config.tactic.change", "A tactic changed."
    CONFIG_TACTIC_DELETE = "config.tactic.delete", "A tactic was deleted."
    CONFIG_BOUNDARIES_IMPORT = "config.boundaries.import", "Districts or beats were imported."
    CONFIG_STREETS_IMPORT = "config.streets.import", "The street network was imported."

    # Data coming in and models
    INGEST_IMPORT = "ingest.import", "An incident file was imported."
    INGEST_CALENDAR_IMPORT = "ingest.calendar_import", "The event calendar was imported."
    INGEST_LAYER_IMPORT = "ingest.layer_import", "A risk-terrain layer was imported."
    INGEST_UPLOADS_PURGED = "ingest.uploads_purged", "Uploaded files past retention were deleted."
    INGEST_SOURCE_CREATED = (
        "ingest.source_created",
        "An administrator created an incident source through the API.",
    )
    FEED_CREDENTIAL_ISSUED = "feed_credential.issued", "A feed's service credential was issued."
    FEED_CREDENTIAL_ROTATED = "feed_credential.rotated", "A feed was given a new token."
    FEED_CREDENTIAL_REVOKED = "feed_credential.revoked", "A feed's credential was revoked."
    FEED_CREDENTIAL_SOURCES_CHANGED = (
        "feed_credential.sources_changed",
        "The sources a feed may push to were changed.",
    )
    AVL_POSITIONS_RECEIVED = "avl.positions_received", "A batch of vehicle positions arrived."
    AVL_POSITIONS_PURGED = "avl.positions_purged", "Vehicle positions past retention were deleted."
    AVL_FILE_IMPORTED = "avl.file_imported", "A file of vehicle positions was imported."
    ROSTER_IMPORTED = "roster.imported", "Roster rows (unit, beat, shift, officers) were stored."
    ROSTER_ENTRY_REMOVED = "roster.entry_removed", "A unit was taken off a shift's roster."
    FORECASTING_TRAIN = "forecasting.train", "Models of a crime type were trained."
    FORECASTING_PROMOTE = "forecasting.promote", "A model version was made the current one."

    # Missions (recorded through missions.services.common.audit)
    MISSIONS_PLAN = "missions.plan", "Missions of a shift were planned."
    MISSIONS_ADD = "missions.add", "An analyst added a mission."
    MISSIONS_SUPPRESS = "missions.suppress", "An analyst suppressed a box or a mission."
    MISSIONS_LIFT = "missions.lift", "An analyst lifted a suppression."
    MISSIONS_CANCEL = "missions.cancel", "A mission was cancelled (by an analyst or a replan)."
    MISSIONS_START = "missions.start", "An officer started a mission."
    MISSIONS_COMPLETE = "missions.complete", "A mission was completed with its dose served."
    MISSIONS_END_EARLY = "missions.end_early", "An officer ended a mission before its dose."
    MISSIONS_REPORT = "missions.report", "A device that was offline sent a whole mission at once."
    MISSIONS_TACTICS = "missions.tactics", "The tactics reported on a mission were corrected."
    MISSIONS_EXPIRE = "missions.expire", "A mission expired at the end of its shift."
    MISSIONS_AVL_START = (
        "missions.avl_start",
        "A rostered unit's vehicle positions entered the box: the mission started by itself.",
    )
    MISSIONS_AVL_COMPLETE = (
        "missions.avl_complete",
        "The rostered units' measured minutes served the dose: the mission completed by itself.",
    )
    MISSIONS_SHEET_PRINT = "missions.sheet.print", "A shift sheet was printed or downloaded."
    MISSIONS_BRIEFING_PRINT = (
        "missions.briefing.print",
        "A roll-call briefing was opened or printed.",
    )

    # Crime-spike alerts (docs/adr/0031-crime-spike-alerts.md)
    ALERTS_RAISE = (
        "alerts.raise",
        "An alert was raised (count above forecast or near-repeat series).",
    )
    ALERTS_ACKNOWLEDGE = "alerts.acknowledge", "An alert was acknowledged."
    ALERTS_MUTE = "alerts.mute", "A user muted alerts for a district and crime type."
    ALERTS_UNMUTE = "alerts.unmute", "A user lifted his mute of a district and crime type."
    ALERTS_SUBSCRIBE = "alerts.subscribe", "A user subscribed to alerts."
    ALERTS_UNSUBSCRIBE = "alerts.unsubscribe", "A user ended an alert subscription."

    # Exports
    EXPORT_AUDIT_LOG = "export.audit_log", "The audit log was exported."
    EXPORT_REJECTED_ROWS = "export.rejected_rows", "Rejected rows of an import were exported."


def registered(name: str) -> Action:
    """The action of that name; ValueError naming the registry when there is none."""
    try:
        return Action(name)
    except ValueError:
        raise ValueError(
            f"Unknown audit action {name!r}: add it to audit/actions.py with a description."
        ) from None
