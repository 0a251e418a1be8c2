"""What missions does when the apps beneath it say something happened: vehicle positions were
stored (patrol.signals.positions_stored) — queue the follow-up that starts and completes the
missions whose boxes they touch (missions/services/avl.py, ADR 0028). Connected by importing this
module (apps.py)."""

from django.dispatch import receiver

from patrol.selectors import boxes_just_visited
from patrol.signals import positions_stored

from .models import Mission
from .tasks import follow_avl_positions


@receiver(positions_stored, dispatch_uid="missions-follow-avl")
def follow_avl_after_push(sender, first, last, **kwargs) -> None:
    """After the push's commit: queue the follow-up for the live missions whose box a unit is in
    now or has just left (a fix there since AVL_MAX_GAP_S before the batch). Two indexed queries;
    a push with every unit outside the mission boxes queues nothing."""
    boxes = Mission.objects.live().filter(starts_at__lte=last, ends_at__gte=first)
    touched = boxes_just_visited(cells=boxes.values("cell_id"), first=first, last=last)
    if touched:
        follow_avl_positions.delay(first.isoformat(), last.isoformat(), sorted(touched))
