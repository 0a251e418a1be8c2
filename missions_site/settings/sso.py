"""Single sign-on (issue 20, ADR 0029, docs/deploy.md "Connect your directory"): OpenID Connect
(mozilla-django-oidc) and LDAP / Active Directory (django-auth-ldap), each off by default and set
by environment variables only. Local accounts keep working beside them (break-glass administrators).

Imported by base.py, which adds the enabled backends to AUTHENTICATION_BACKENDS.
"""

import environ

env = environ.Env()

# --- The directory's groups → roles and scope ------------------------------------------------------
# JSON: group (an OIDC `groups` claim value, or an LDAP group DN; compared case-blind) → [role],
# [role, district code] or [role, district code, beat code]. A user gets every role and district his
# groups map to, at every sign-in; a group he left is a role he loses (and his API tokens go).
# e.g. {"cn=patrol-d1,ou=groups,dc=example,dc=org": ["Officer", "D1"], "missions-analysts": ["Analyst"]}
SSO_GROUP_ROLES = env.json("SSO_GROUP_ROLES", default={})
# A directory user none of whose groups is in the table is refused (his roles and tokens removed).
# A second factor done at the provider counts when the ID token's `amr` holds one of these, or its
# `acr` is one of SSO_MFA_ACR_VALUES (e.g. Keycloak's "gold", Okta's phishing-resistant policy URN).
SSO_MFA_AMR_VALUES = env.list("SSO_MFA_AMR_VALUES", default=["mfa", "otp", "hwk", "swk", "sc"])
SSO_MFA_ACR_VALUES = env.list("SSO_MFA_ACR_VALUES", default=[])

# --- OpenID Connect -------------------------------------------------------------------------------
OIDC_ENABLED = env.bool("OIDC_ENABLED", default=False)
OIDC_PROVIDER_NAME = env.str("OIDC_PROVIDER_NAME", default="your organisation")  # "Sign in with …"
OIDC_OP_ISSUER = env.str("OIDC_ISSUER", default="")  # the ID token's `iss` must equal it
OIDC_OP_AUTHORIZATION_ENDPOINT = env.str("OIDC_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env.str("OIDC_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env.str("OIDC_USERINFO_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = env.str("OIDC_JWKS_ENDPOINT", default="")
OIDC_RP_CLIENT_ID = env.str("OIDC_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env.str("OIDC_CLIENT_SECRET", default="")
OIDC_RP_SIGN_ALGO = env.str("OIDC_SIGN_ALGO", default="RS256")
OIDC_RP_SCOPES = env.str("OIDC_SCOPES", default="openid email profile")
OIDC_GROUPS_CLAIM = env.str("OIDC_GROUPS_CLAIM", default="groups")
OIDC_USERNAME_CLAIM = env.str("OIDC_USERNAME_CLAIM", default="preferred_username")
OIDC_BADGE_CLAIM = env.str("OIDC_BADGE_CLAIM", default="employee_number")
OIDC_CLOCK_SKEW_SECONDS = env.int("OIDC_CLOCK_SKEW_SECONDS", default=60)
OIDC_USE_PKCE = True
OIDC_USE_NONCE = True
OIDC_VERIFY_SSL = env.bool("OIDC_VERIFY_SSL", default=True)
OIDC_TIMEOUT = env.float("OIDC_TIMEOUT_SECONDS", default=10.0)
OIDC_STORE_ID_TOKEN = False
OIDC_CREATE_USER = True
OIDC_AUTHENTICATION_CALLBACK_URL = "oidc-callback"
LOGIN_REDIRECT_URL_FAILURE = "login"

# --- LDAP / Active Directory ----------------------------------------------------------------------
LDAP_ENABLED = env.bool("LDAP_ENABLED", default=False)
AUTH_LDAP_SERVER_URI = env.str("LDAP_SERVER_URI", default="")  # ldaps://dc1.example.org
AUTH_LDAP_START_TLS = env.bool("LDAP_START_TLS", default=False)
AUTH_LDAP_BIND_DN = env.str("LDAP_BIND_DN", default="")  # a read-only service account
AUTH_LDAP_BIND_PASSWORD = env.str("LDAP_BIND_PASSWORD", default="")
LDAP_USER_BASE = env.str("LDAP_USER_BASE", default="")  # ou=people,dc=example,dc=org
# "(uid=%(user)s)" for OpenLDAP, "(sAMAccountName=%(user)s)" for Active Directory.
LDAP_USER_FILTER = env.str("LDAP_USER_FILTER", default="(uid=%(user)s)")
LDAP_GROUP_BASE = env.str("LDAP_GROUP_BASE", default="")  # ou=groups,dc=example,dc=org
# groupOfNames (member=DN) for OpenLDAP; activeDirectory or nestedActiveDirectory (with the filter
# "(objectClass=group)") for Active Directory; posixGroup (memberUid) otherwise.
LDAP_GROUP_TYPE = env.str("LDAP_GROUP_TYPE", default="groupOfNames")
LDAP_GROUP_FILTER = env.str("LDAP_GROUP_FILTER", default="(objectClass=groupOfNames)")
LDAP_BADGE_ATTRIBUTE = env.str("LDAP_BADGE_ATTRIBUTE", default="employeeNumber")
AUTH_LDAP_USER_ATTR_MAP = {"first_name": "givenName", "last_name": "sn", "email": "mail"}
AUTH_LDAP_ALWAYS_UPDATE_USER = True
AUTH_LDAP_FIND_GROUP_PERMS = False
AUTH_LDAP_CACHE_TIMEOUT = 0  # group membership is read afresh at every sign-in

SSO_BACKENDS = [
    *(["accounts.oidc.DirectoryOIDCBackend"] if OIDC_ENABLED else []),
    *(["accounts.ldap.DirectoryLDAPBackend"] if LDAP_ENABLED else []),
]
