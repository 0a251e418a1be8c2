"""Mission audit entries move into the one audit log (audit.AuditEvent), oldest first, chained."""

from django.db import migrations

from audit.chain import GENESIS_HASH, event_hash, utc_ms


def copy_entries_to_audit_events(apps, schema_editor):
    AuditEntry = apps.get_model("missions", "AuditEntry")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    previous = AuditEvent.objects.order_by("-pk").values_list("hash", flat=True).first() or GENESIS_HASH
    for entry in AuditEntry.objects.select_related("actor").order_by("at", "pk").iterator(chunk_size=2000):
        fields = {
            "at": utc_ms(entry.at), "actor_id": entry.actor_id,
            "actor_username": entry.actor.username if entry.actor else "", "role": "",
            "source_address": None, "request_id": "", "action": "missions." + entry.action,
            "object_type": entry.object_type, "object_id": entry.object_id, "outcome": "success",
            "reason_code": entry.reason_code, "reason": entry.reason, "before": entry.before,
            "after": entry.after, "previous_hash": previous,
        }
        previous = event_hash(fields)
        AuditEvent.objects.create(**fields, hash=previous)


class Migration(migrations.Migration):

    dependencies = [
        ('missions', '0002_schedule_planning_and_expiry'),
        ('audit', '0002_append_only'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='mission',
            options={'ordering': ['date', 'shift__order', 'beat__code', 'rank', 'pk'], 'permissions': [('patrol_mission', 'Can start, ping and complete missions (officer)'), ('plan_missions', 'Can run the planner for a shift'), ('evaluate_missions', 'Can see control boxes and outcome evaluation'), ('read_audit', 'Can read the audit log of overrides and mission changes')]},
        ),
        migrations.RunPython(copy_entries_to_audit_events, migrations.RunPython.noop),
        migrations.DeleteModel(
            name='AuditEntry',
        ),
    ]
