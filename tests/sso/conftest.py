"""Real servers for the single sign-on tests, one of each per test process (session fixtures):

- `oidc_provider`: the small Django project in tests/sso/provider (django-oauth-toolkit in OIDC
  mode) as its own process, with an RS256 key made here; its users and groups are a JSON file.
- `ldap_server`: OpenLDAP's slapd from a temporary slapd.conf, loaded with ldapadd.

Both listen on free ports of 127.0.0.1. `oidc_settings` / `ldap_settings` point the app at them.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import requests

HERE = Path(__file__).resolve().parent
CLIENT_ID = "missions-under-test"
CLIENT_SECRET = "a-test-client-secret"  # noqa: S105
REDIRECT_URI = "http://testserver/accounts/oidc/callback/"
PASSWORD = "a-directory-passphrase"  # noqa: S105
BASE_DN = "dc=example,dc=org"
ADMIN_DN = f"cn=admin,{BASE_DN}"
ADMIN_PASSWORD = "an-ldap-admin-passphrase"  # noqa: S105
GROUPS = {
    "patrol-d1": ("Officer", "D1"),
    "patrol-d2-b1": ("Officer", "D2", "D2-B1"),
    "watch-commanders": ("Supervisor", "D1"),
    "crime-analysts": ("Analyst",),
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(check, what: str, process, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode} before it was ready")
        try:
            if check():
                return
        except (OSError, requests.RequestException):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{what} was not ready after {timeout} s")


def stop(process) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# --- The OpenID provider ---------------------------------------------------------------------------


class Provider:
    def __init__(self, base: str, key_pem: bytes, directory: Path, forge: Path):
        from jwcrypto import jwk

        self.base = base
        self.issuer = f"{base}/o"
        self.key_pem = key_pem
        self.kid = jwk.JWK.from_pem(key_pem).thumbprint()  # as django-oauth-toolkit names it
        self.directory = directory
        self.forge = forge

    def set_user(self, name: str, **entry) -> None:
        """Add or change a user of the provider's directory (read at each sign-in and token)."""
        data = json.loads(self.directory.read_text())
        data["users"][name] = {"password": PASSWORD, **entry}
        self.directory.write_text(json.dumps(data))

    def serve_next_id_token(self, id_token: str) -> None:
        """The token endpoint's next answer carries this ID token instead of its own."""
        self.forge.write_text(json.dumps({"id_token": id_token}))

    def sign_in(self, authorize_url: str, username: str, password: str = PASSWORD) -> str:
        """As a browser: the authorisation request, the provider's login form, and back; returns
        the callback URL (on the app) the provider redirects to."""
        browser = requests.Session()
        response = browser.get(authorize_url, allow_redirects=False, timeout=10)
        assert response.status_code == 302, response.text[:500]
        login_url = requests.compat.urljoin(authorize_url, response.headers["Location"])
        form = browser.get(login_url, timeout=10)
        next_url = parse_qs(urlparse(login_url).query)["next"][0]
        response = browser.post(
            login_url,
            data={
                "username": username,
                "password": password,
                "next": next_url,
                "csrfmiddlewaretoken": browser.cookies["csrftoken"],
            },
            headers={"Referer": login_url},
            allow_redirects=False,
            timeout=10,
        )
        assert response.status_code == 302, f"provider refused the login: {form.status_code}"
        response = browser.get(
            requests.compat.urljoin(login_url, response.headers["Location"]),
            allow_redirects=False,
            timeout=10,
        )
        assert response.status_code == 302, response.text[:500]
        callback = response.headers["Location"]
        assert callback.startswith(REDIRECT_URI), callback
        return callback


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    tmp = tmp_path_factory.mktemp("oidc-provider")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    (tmp / "key.pem").write_bytes(key_pem)
    directory = tmp / "directory.json"
    directory.write_text(
        json.dumps(
            {
                "client": {"id": CLIENT_ID, "secret": CLIENT_SECRET, "redirect_uri": REDIRECT_URI},
                "users": {},
            }
        )
    )
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "PYTHONPATH": str(HERE),
        "PROVIDER_DB": str(tmp / "provider.sqlite3"),
        "PROVIDER_ISSUER": f"{base}/o",
        "PROVIDER_KEY_FILE": str(tmp / "key.pem"),
        "PROVIDER_DIRECTORY": str(directory),
        "PROVIDER_FORGE": str(tmp / "forge.json"),
        "PROVIDER_PORT": str(port),
    }
    log = (tmp / "provider.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "provider.serve"], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        wait_until(
            lambda: requests.get(f"{base}/o/.well-known/jwks.json", timeout=2).ok,
            f"the OpenID provider (log: {tmp / 'provider.log'})",
            process,
        )
        yield Provider(base, key_pem, directory, tmp / "forge.json")
    finally:
        stop(process)
        log.close()


@pytest.fixture
def oidc_settings(settings, oidc_provider, small_agency):
    """The app as an agency would set it for its provider (README "Single sign-on")."""
    issuer = oidc_provider.issuer
    settings.OIDC_ENABLED = True
    settings.OIDC_PROVIDER_NAME = "Test Directory"
    settings.AUTHENTICATION_BACKENDS = [
        *settings.AUTHENTICATION_BACKENDS,
        "accounts.oidc.DirectoryOIDCBackend",
    ]
    settings.OIDC_OP_ISSUER = issuer
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{issuer}/authorize/"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{issuer}/token/"
    settings.OIDC_OP_USER_ENDPOINT = f"{issuer}/userinfo/"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{issuer}/.well-known/jwks.json"
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_RP_SCOPES = "openid email profile"
    settings.SSO_GROUP_ROLES = {name: list(grant) for name, grant in GROUPS.items()}
    return settings


# --- OpenLDAP --------------------------------------------------------------------------------------

SLAPD_CONF = """\
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
pidfile {tmp}/slapd.pid
argsfile {tmp}/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
database mdb
maxsize 10485760
suffix "{base}"
rootdn "{admin}"
rootpw {password}
directory {tmp}/data
access to attrs=userPassword by self write by anonymous auth by * none
access to * by * read
"""


def ldif_entries(people: dict[str, dict], groups: dict[str, list[str]]) -> str:
    entries = [
        f"dn: {BASE_DN}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example",
        f"dn: ou=people,{BASE_DN}\nobjectClass: organizationalUnit\nou: people",
        f"dn: ou=groups,{BASE_DN}\nobjectClass: organizationalUnit\nou: groups",
    ]
    for uid, person in people.items():
        entries.append(
            f"dn: uid={uid},ou=people,{BASE_DN}\nobjectClass: inetOrgPerson\nuid: {uid}\n"
            f"cn: {person['cn']}\nsn: {person['sn']}\ngivenName: {person['cn'].split()[0]}\n"
            f"mail: {uid}@example.org\nemployeeNumber: {person['badge']}\n"
            f"userPassword: {PASSWORD}"
        )
    for cn, members in groups.items():
        lines = "\n".join(f"member: uid={m},ou=people,{BASE_DN}" for m in members)
        entries.append(
            f"dn: cn={cn},ou=groups,{BASE_DN}\nobjectClass: groupOfNames\ncn: {cn}\n{lines}"
        )
    return "\n\n".join(entries) + "\n"


LDAP_PEOPLE = {
    "jdoe": {"cn": "Jane Doe", "sn": "Doe", "badge": "4711"},
    "rroe": {"cn": "Richard Roe", "sn": "Roe", "badge": "4712"},
    "admin": {"cn": "Directory Admin", "sn": "Admin", "badge": "1"},  # same name as a local account
}
LDAP_GROUPS = {
    "patrol-d1": ["jdoe", "rroe", "admin"],
    "crime-analysts": ["rroe", "admin"],  # groupOfNames needs a member left when rroe goes
}


class LdapServer:
    def __init__(self, uri: str):
        self.uri = uri

    def group_dn(self, cn: str) -> str:
        return f"cn={cn},ou=groups,{BASE_DN}"

    def user_dn(self, uid: str) -> str:
        return f"uid={uid},ou=people,{BASE_DN}"

    def _modify(self, cn: str, op: int, uid: str) -> None:
        import ldap

        connection = ldap.initialize(self.uri)
        connection.simple_bind_s(ADMIN_DN, ADMIN_PASSWORD)
        try:
            connection.modify_s(self.group_dn(cn), [(op, "member", [self.user_dn(uid).encode()])])
        finally:
            connection.unbind_s()

    def remove_member(self, cn: str, uid: str) -> None:
        import ldap

        self._modify(cn, ldap.MOD_DELETE, uid)

    def add_member(self, cn: str, uid: str) -> None:
        import ldap

        self._modify(cn, ldap.MOD_ADD, uid)


@pytest.fixture(scope="session")
def ldap_server(tmp_path_factory):
    slapd = shutil.which("slapd") or "/usr/sbin/slapd"
    if not Path(slapd).exists():
        pytest.fail("slapd is not installed: run `make setup` (Makefile APT_PACKAGES)")
    tmp = tmp_path_factory.mktemp("slapd")
    (tmp / "data").mkdir()
    conf = tmp / "slapd.conf"
    conf.write_text(
        SLAPD_CONF.format(tmp=tmp, base=BASE_DN, admin=ADMIN_DN, password=ADMIN_PASSWORD)
    )
    port = free_port()
    uri = f"ldap://127.0.0.1:{port}"
    log = (tmp / "slapd.log").open("w")
    process = subprocess.Popen(
        [slapd, "-f", str(conf), "-h", f"{uri}/", "-d", "0"], stdout=log, stderr=subprocess.STDOUT
    )
    try:

        def answers() -> bool:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True

        wait_until(answers, f"slapd (log: {tmp / 'slapd.log'})", process, timeout=30)
        ldif = tmp / "directory.ldif"
        ldif.write_text(ldif_entries(LDAP_PEOPLE, LDAP_GROUPS))
        subprocess.run(
            ["ldapadd", "-x", "-H", uri, "-D", ADMIN_DN, "-w", ADMIN_PASSWORD, "-f", str(ldif)],
            check=True,
            capture_output=True,
            timeout=30,
        )
        yield LdapServer(uri)
    finally:
        stop(process)
        log.close()


@pytest.fixture
def ldap_settings(settings, ldap_server, small_agency):
    settings.LDAP_ENABLED = True
    settings.AUTHENTICATION_BACKENDS = [
        *settings.AUTHENTICATION_BACKENDS,
        "accounts.ldap.DirectoryLDAPBackend",
    ]
    settings.AUTH_LDAP_SERVER_URI = ldap_server.uri
    settings.AUTH_LDAP_BIND_DN = ADMIN_DN
    settings.AUTH_LDAP_BIND_PASSWORD = ADMIN_PASSWORD
    settings.LDAP_USER_BASE = f"ou=people,{BASE_DN}"
    settings.LDAP_USER_FILTER = "(uid=%(user)s)"
    settings.LDAP_GROUP_BASE = f"ou=groups,{BASE_DN}"
    settings.SSO_GROUP_ROLES = {
        ldap_server.group_dn("patrol-d1"): ["Officer", "D1"],
        ldap_server.group_dn("crime-analysts"): ["Analyst"],
    }
    return settings
