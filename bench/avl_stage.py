"""The stage of the AVL benchmarks: a 6 km × 6 km agency (one district, four beats, three 8-hour
shifts) with its grid, N units rostered over the beats, and a feed credential. Written through the
apps (forecasting.build_grid, ingest.issue_feed_credential); the bench scripts call `prepare`."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.contrib.gis.geos import GEOSGeometry
from django.utils import timezone
from shapely.geometry import box

from agency import roles
from agency.models import Agency, Beat, District, Shift
from forecasting.services import build_grid
from geo.models import GridCell
from ingest import services as ingest_services
from patrol.models import Unit

WEST, SOUTH, DX, DY = -79.45, 43.62, 0.0744, 0.054  # about 6 km × 6 km


def _multipolygon(shape) -> GEOSGeometry:
    ring = ", ".join(f"{x} {y}" for x, y in shape.exterior.coords)
    return GEOSGeometry(f"MULTIPOLYGON((({ring})))", srid=4326)


def prepare(*, units: int) -> dict:
    """Idempotent: the agency, grid and units once; a fresh feed token each run."""
    agency = Agency.current()
    if not District.objects.filter(code="AVL").exists():
        agency.name, agency.timezone = "AVL bench", "America/Toronto"
        agency.boundary = _multipolygon(box(WEST, SOUTH, WEST + DX, SOUTH + DY))
        agency.save()
        district = District.objects.create(code="AVL", name="Bench", geom=agency.boundary)
        for i in range(4):
            x0, y0 = WEST + (i % 2) * DX / 2, SOUTH + (i // 2) * DY / 2
            Beat.objects.create(
                code=f"B{i + 1}",
                name=f"Beat {i + 1}",
                district=district,
                geom=_multipolygon(box(x0, y0, x0 + DX / 2, y0 + DY / 2)),
            )
        for order, (name, hour) in enumerate([("Day", 6), ("Evening", 14), ("Night", 22)]):
            Shift.objects.get_or_create(
                name=name,
                defaults={"start_time": f"{hour:02d}:00", "duration_minutes": 480, "order": order},
            )
    if not GridCell.objects.filter(active=True).exists():
        build_grid()
    have = Unit.objects.count()
    Unit.objects.bulk_create(
        Unit(call_sign=f"U{n:04d}", vehicle_id=f"V{n:04d}") for n in range(have, units)
    )
    groups = roles.sync_roles()
    admin, created = get_user_model().objects.get_or_create(username="avl-bench-admin")
    if created:
        admin.groups.add(groups[roles.ADMINISTRATOR])
    _, token = ingest_services.issue_feed_credential(
        actor=admin,
        name=f"AVL bench {timezone.now():%H%M%S%f}",
        sources=[],
        expires_at=timezone.now() + dt.timedelta(days=1),
    )
    return {"token": token, "bounds": (WEST, SOUTH, WEST + DX, SOUTH + DY)}
