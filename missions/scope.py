"""Which missions a user may see and act on, past the role gate of missions_site/access.py:
an officer only his home beat's (else home district's) missions of the shift under way, and never
another officer's active one; a supervisor his district(s) when the agency scopes supervisors;
analysts and administrators every mission. A refusal is a PermissionDenied with its reason (403)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from agency.models import Agency
from missions_site.access import ADMINISTRATOR, ANALYST, OFFICER, SUPERVISOR, has_role, roles_of

from .models import Mission
from .services.common import EARLY_START_ALLOWANCE


def sees_analysis(user) -> bool:
    """Whether the user gets the analyst's view of a mission (scores, draws, seeds, model versions)."""
    return has_role(user, ANALYST, ADMINISTRATOR)


def visible_missions(
    user, missions: list[Mission], *, now: datetime | None = None
) -> list[Mission]:
    """The missions of `missions` the user may see (their beat and shift must be loaded)."""
    refusal = refusal_for(user, now=now)
    return [m for m in missions if refusal(m) is None]


def require_visible(user, mission: Mission, *, now: datetime | None = None) -> None:
    reason = refusal_for(user, now=now)(mission)
    if reason:
        raise PermissionDenied(reason)


def require_can_patrol(user, mission: Mission, *, action: str, now: datetime | None = None) -> None:
    """Start, complete or report: see `patrol_refusal`."""
    reason = patrol_refusal(user, mission, action=action, visible=refusal_for(user, now=now))
    if reason:
        raise PermissionDenied(reason)


def patrol_refusal(
    user, mission: Mission, *, action: str, visible: Callable[[Mission], str | None]
) -> str | None:
    """Why the user may not start, complete or report the mission, or None: it must be in the
    officer's scope (`visible`, from `refusal_for`) and not another officer's — nobody else in its
    box (start), and patrolled by this officer if active (the rest). Reads the mission's visits."""
    reason = visible(mission)
    if reason:
        return reason
    visits = list(mission.visits.all())
    if action == "start":
        if any(v.ended_at is None and v.officer_id != user.pk for v in visits):
            return "Another officer is in this mission's box now: it is theirs until they leave."
    elif mission.status == Mission.Status.ACTIVE and not any(
        v.officer_id == user.pk for v in visits
    ):
        return (
            f"This is another officer's active mission: only an officer who patrolled "
            f"it may {action} it."
        )
    return None


def require_can_correct(user, mission: Mission, *, now: datetime, takes_tactics: bool) -> None:
    """Adding or correcting tactics: see `correct_refusal`."""
    reason = correct_refusal(
        user, mission, now=now, visible=refusal_for(user, now=now), takes_tactics=takes_tactics
    )
    if reason:
        raise PermissionDenied(reason)


def correct_refusal(
    user,
    mission: Mission,
    *,
    now: datetime,
    visible: Callable[[Mission], str | None],
    takes_tactics: bool,
) -> str | None:
    """Why the user may not add or correct the tactics of the mission, or None: an officer who
    patrolled it, on a mission the state machine lets take tactics (`takes_tactics`: under way or
    closed by an officer), until its shift ends (judged at `now`, the time of the act)."""
    if now >= mission.ends_at:
        return "The shift has ended: tactics can be added or corrected only until its end."
    reason = visible(mission)
    if reason:
        return reason
    if not takes_tactics:
        return (
            f"This mission is {mission.get_status_display().lower()}: tactics are reported "
            "on missions that were patrolled."
        )
    if not any(v.officer_id == user.pk for v in mission.visits.all()):
        return "Only an officer who patrolled this mission may report its tactics."
    return None


def require_district(user, district) -> None:
    """A supervisor scoped to districts reaches only theirs (e.g. the shift sheet)."""
    if has_role(user, ANALYST, ADMINISTRATOR) or not has_role(user, SUPERVISOR):
        return
    districts = supervisor_district_ids(user)
    if districts is not None and district.pk not in districts:
        raise PermissionDenied(f"{district.name} is outside your district(s).")


def supervisor_district_ids(user) -> set[int] | None:
    """The districts a supervisor is scoped to, or None when the agency does not scope them."""
    if not Agency.current().supervisors_scoped_to_district:
        return None
    profile = getattr(user, "officer_profile", None)
    if profile is None:
        return set()
    ids = set(profile.supervised_districts.values_list("pk", flat=True))
    return ids | ({profile.home_district_id} if profile.home_district_id else set())


def refusal_for(user, *, now: datetime | None) -> Callable[[Mission], str | None]:
    """A check giving the reason a mission is out of the user's scope, or None (reads the profile once)."""
    roles = roles_of(user)
    if roles & {ANALYST, ADMINISTRATOR}:
        return lambda mission: None
    if SUPERVISOR in roles:
        districts = supervisor_district_ids(user)
        if districts is None:
            return lambda mission: None
        return lambda mission: (
            None
            if mission.beat.district_id in districts
            else ("This mission is outside your district(s).")
        )
    if OFFICER in roles:
        return _officer_check(getattr(user, "officer_profile", None), now or timezone.now())
    return lambda mission: "Your role gives no access to missions."


def _officer_check(profile, now: datetime) -> Callable[[Mission], str | None]:
    def refusal(mission: Mission) -> str | None:
        if profile is None or not (profile.home_beat_id or profile.home_district_id):
            return "You have no home beat or district: ask an administrator to set your officer profile."
        if profile.home_beat_id and mission.beat_id != profile.home_beat_id:
            return "This mission is not in your beat."
        if not profile.home_beat_id and mission.beat.district_id != profile.home_district_id:
            return "This mission is not in your district."
        if not mission.starts_at - EARLY_START_ALLOWANCE <= now < mission.ends_at:
            return "This mission is not of the shift under way."
        return None

    return refusal
