"""The bell in the menu: how many alerts wait for the signed-in user."""

from missions_site import access

from . import selectors


def bell(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not access.in_menu(user, "alerts-list"):
        return {}
    return {"alert_count": selectors.unread_count(user)}
