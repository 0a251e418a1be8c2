"""Template context for every page: the user's role (navigation) and the map's tile settings."""

from django.conf import settings

from missions_site.access import main_role


def agency(request):
    user = getattr(request, "user", None)
    return {
        "user_role": main_role(user) if user is not None else None,
        "map_tile_url": settings.MAP_TILE_URL,
        "map_tile_attribution": settings.MAP_TILE_ATTRIBUTION,
    }
