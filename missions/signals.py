"""What missions does when the apps beneath it say something happened: vehicle positions were
stored (patrol.signals.positions_stored) — queue the follow-up that starts and completes missions
from them (missions/services/avl.py, ADR 0028). Connected by importing this module (apps.py)."""

from django.dispatch import receiver

from patrol.signals import positions_stored

from .models import Mission
from .tasks import follow_avl_positions


@receiver(positions_stored, dispatch_uid="missions-follow-avl")
def follow_avl_after_push(sender, first, last, **kwargs) -> None:
    """After the push's commit: queue the follow-up when a live mission's shift overlaps the fixes
    (one indexed query; most pushes outside shifts queue nothing)."""
    if Mission.objects.live().filter(starts_at__lte=last, ends_at__gte=first).exists():
        follow_avl_positions.delay(first.isoformat(), last.isoformat())
