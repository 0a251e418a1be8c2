"""Every one-way migration (a data step with no reverse, or an operation Django cannot reverse) is
named in docs/deploy.md, "Migrations that cannot be undone", and nothing else is."""

import re
from pathlib import Path

from django.db import migrations

from ops.releases import one_way_migrations, one_way_operations

DEPLOY = Path(__file__).resolve().parents[2] / "docs" / "deploy.md"
SECTION = "### Migrations that cannot be undone"
NAMED = re.compile(r"^- `(\w+\.\d{4}_\w+)`", re.M)


def documented() -> set[str]:
    text = DEPLOY.read_text()
    assert SECTION in text, f"{DEPLOY} has no section {SECTION!r}"
    section = text.split(SECTION, 1)[1].split("\n#", 1)[0]
    return set(NAMED.findall(section))


def test_one_way_migrations_are_the_documented_ones():
    found = one_way_migrations()
    assert "missions.0009_reasons_as_factors" in found  # a known one (the check reads migrations)
    assert set(found) == documented(), (
        f"undocumented: {sorted(set(found) - documented())};"
        f" documented but reversible or gone: {sorted(documented() - set(found))}"
    )


def test_the_check_tells_one_way_from_reversible_steps():
    def forward(apps, schema_editor):
        pass

    class OneWay(migrations.Migration):
        operations = [
            migrations.RunPython(forward),
            migrations.RunPython(forward, migrations.RunPython.noop),
            migrations.RunSQL("UPDATE x SET y = 1"),
        ]

    class Reversible(migrations.Migration):  # control
        operations = [
            migrations.RunPython(forward, forward),
            migrations.RunSQL("UPDATE x SET y = 1", "UPDATE x SET y = 0"),
            migrations.AddField("visit", "z", None),
        ]

    assert one_way_operations(OneWay("0001_x", "app")) == [
        "RunPython forward",
        "RunPython forward",
        "RunSQL",
    ]
    assert one_way_operations(Reversible("0001_x", "app")) == []
