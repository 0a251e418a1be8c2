"""A small OpenID provider for the SSO tests (django-oauth-toolkit in OIDC mode), run as its own
process by tests/sso/conftest.py. Its users, their passwords, groups and `amr` are read from a JSON
file at each sign-in and each token (so a test can take a user out of a group); the RS256 key is made
by the fixture. A test may hand the token endpoint an ID token it built itself (the forge file): it
is served once instead of the provider's own, to see the client refuse it.
"""
