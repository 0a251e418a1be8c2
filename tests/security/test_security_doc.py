"""docs/security.md shows the access matrix the code enforces, and the roles are the same groups."""

from pathlib import Path

from agency import roles
from missions_site import access
from missions_site.access_doc import END, START, matrix_markdown

DOC = Path(__file__).resolve().parent.parent.parent / "docs" / "security.md"


def doc_rows() -> dict[str, list[str]]:
    table = DOC.read_text().split(START, 1)[1].split(END, 1)[0]
    rows = [
        [cell.strip() for cell in line.strip("|").split("|")]
        for line in table.strip().splitlines()[2:]
    ]
    return {row[1].strip("`"): row for row in rows}


def test_the_documented_matrix_is_the_enforced_one():
    documented = DOC.read_text().split(START, 1)[1].split(END, 1)[0].strip()
    assert documented == matrix_markdown(), "run: python manage.py security_matrix --write"


def test_the_document_says_what_the_issue_asks():
    rows = doc_rows()
    anonymous = 2  # column after route and name
    open_to_anonymous = {name for name, row in rows.items() if row[anonymous] != "—"}
    public = {
        "public-transparency",
        "public-transparency-json",
        "public-model-card",
    }  # published on purpose
    web_app = {
        "web-manifest",
        "officer-service-worker",
    }  # no data; browsers fetch the manifest without cookies
    sign_in_elsewhere = {"oidc-login", "oidc-callback"}  # single sign-on: to the provider and back
    assert open_to_anonymous == {
        "login",
        "logout",
        *sign_in_elsewhere,
        "healthz",
        "readyz",
        "favicon",
        "api-token",
        "admin:login",
        "admin-login",
        "admin:logout",
        *public,
        *web_app,
    }
    auditor = 2 + access.COLUMNS.index(access.AUDITOR)
    own_account = {
        "mfa-verify",
        "mfa-enrol",
        "mfa-qr",
        "mfa-recovery-codes",
        "account-tokens",
        "api-tokens",
        "api-token-revoke",
        "api-logout",
    }
    assert {
        name for name, row in rows.items() if row[auditor] not in ("—",)
    } - open_to_anonymous == {"home", "api-audit", "audit-log", "audit-log-csv", *own_account}


def test_the_roles_are_the_groups_agency_keeps():
    assert set(access.GROUP_ROLES) == set(roles.ROLES) == set(roles.ROLE_PERMISSIONS)
