"""The suite's own check that every audit event written names a registered action."""

from audit.actions import Action
from audit.models import AuditEvent


def unregistered_actions() -> list[str]:
    return sorted(
        AuditEvent.objects.exclude(action__in=[a.value for a in Action])
        .values_list("action", flat=True)
        .distinct()
    )
