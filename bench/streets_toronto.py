"""Benchmark: a Toronto-size street centreline (synthetic: a 150 m grid of named streets cut at
every crossing, clipped to the 16 divisions) imported and labelled on the 250 m grid in PostGIS, then
the grid rebuilt (which relabels), and the map's street requests at zoom 13, 15 and 17.

Writes the figures into bench/RESULTS.md.
Usage: .venv/bin/python bench/streets_toronto.py [--database-url postgis://…/missions_bench_streets]
"""

import argparse
import datetime as dt
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyproj
import shapely
from shapely.geometry import mapping

ROOT = Path(__file__).resolve().parent.parent
DIVISIONS = ROOT.parent / "shared" / "data" / "toronto" / "divisions.geojson"
RESULTS = ROOT / "bench" / "RESULTS.md"
SECTION = "## Streets"
SPACING_M = 150.0
UTM = 32617
TARGET_IMPORT_S = 30.0
VIEW_QUERY = (
    "import json, time; from geo.street_selectors import streets_in_view;"
    "c = (-79.3832, 43.6532); out = [];"
    "[out.append((z, *(lambda t0, v: (time.perf_counter() - t0, len(v['features']), len(json.dumps(v))))("
    "time.perf_counter(), streets_in_view(bbox=(c[0] - w, c[1] - w * .7, c[0] + w, c[1] + w * .7), zoom=z))))"
    " for z, w in ((13, .06), (15, .015), (17, .004))];"
    "print('VIEWS', json.dumps(out));"
    "from geo.models import GridCell; from geo.street_services import label_cells;"
    "GridCell.objects.update(location_label=''); t0 = time.perf_counter(); label_cells();"
    "print('LABELS', time.perf_counter() - t0)"
)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--database-url", default="postgis://postgres@127.0.0.1:5432/missions_bench_streets"
    )
    args = parser.parse_args()
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "DJANGO_SETTINGS_MODULE": "missions_site.settings.test",
    }
    db_name = args.database_url.rsplit("/", 1)[1]
    subprocess.run(
        ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", db_name], check=True
    )
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", db_name], check=True)

    def manage(*argv):
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "manage.py", *argv],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        return time.perf_counter() - started, done.stdout

    manage("migrate", "--noinput")
    manage(
        "import_boundaries",
        str(DIVISIONS),
        "--level",
        "district",
        "--name-field",
        "UNIT_NAME",
        "--code-field",
        "DIV",
    )
    manage("build_grid")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "centreline.geojson"
        segments = write_centreline(path)
        import_s, out = manage("import_streets", str(path), "--name-field", "LINEAR_NAME_FULL")
    labelled = int(re.search(r"(\d+) grid cells labelled", out).group(1))
    rebuild_s, _ = manage("build_grid")
    _, out = manage("shell", "-c", VIEW_QUERY)
    views = json.loads(out.split("VIEWS ", 1)[1].splitlines()[0])
    label_s = float(out.split("LABELS ", 1)[1])
    load = os.getloadavg()[0]
    row = (
        f"| {dt.date.today()} | {segments} | {labelled} | {label_s:.1f} s | {import_s:.1f} s | {rebuild_s:.1f} s | "
        + " · ".join(
            f"z{z}: {s * 1000:.0f} ms, {n} features, {size / 1024:.0f} kB"
            for z, s, n, size in views
        )
        + f" | {load:.1f} | {'pass' if import_s < TARGET_IMPORT_S else 'MISS'} |"
    )
    print(row)
    write_section(row)


def write_centreline(path: Path) -> int:
    """A street every SPACING_M each way over the divisions, cut at each crossing, named per line."""
    to_utm = pyproj.Transformer.from_crs(4326, UTM, always_xy=True)
    to_wgs = pyproj.Transformer.from_crs(UTM, 4326, always_xy=True)
    features = json.loads(DIVISIONS.read_text())["features"]
    land = shapely.union_all([shapely.geometry.shape(f["geometry"]) for f in features])
    land = shapely.transform(land, lambda xy: np.column_stack(to_utm.transform(*xy.T)))
    minx, miny, maxx, maxy = land.bounds
    xs, ys = np.arange(minx, maxx, SPACING_M), np.arange(miny, maxy, SPACING_M)
    lines, names = [], []
    for i, x in enumerate(xs):
        lines += [
            shapely.LineString([(x, a), (x, b)]) for a, b in zip(ys[:-1], ys[1:], strict=True)
        ]
        names += [f"North {i} St"] * (len(ys) - 1)
    for j, y in enumerate(ys):
        lines += [
            shapely.LineString([(a, y), (b, y)]) for a, b in zip(xs[:-1], xs[1:], strict=True)
        ]
        names += [f"East {j} Ave"] * (len(xs) - 1)
    lines = np.asarray(lines, dtype=object)
    shapely.prepare(land)
    keep = shapely.intersects(land, lines)
    lines = shapely.transform(lines[keep], lambda xy: np.column_stack(to_wgs.transform(*xy.T)))
    names = [n for n, k in zip(names, keep, strict=True) if k]
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"LINEAR_NAME_FULL": n},
                        "geometry": mapping(line),
                    }
                    for n, line in zip(names, lines, strict=True)
                ],
            }
        )
    )
    return len(names)


def write_section(row: str) -> None:
    header = (
        f"{SECTION}\n\n`.venv/bin/python bench/streets_toronto.py` — a synthetic Toronto-size centreline"
        f" ({SPACING_M:.0f} m grid of named streets cut at each crossing, clipped to the 16 divisions) into"
        " PostGIS: `import_streets` (read, reproject, store, label every 250 m cell) and `build_grid` (which"
        " relabels) each timed whole as commands; `label_cells()` alone (read cells and streets, label in the"
        " engine, write); then `streets_in_view` for a downtown view at zoom 13, 15 and 17 (time, features,"
        f" JSON size). Target: import < {TARGET_IMPORT_S:.0f} s. The machine's 1-minute load is in the row:"
        " 2 cores shared, so figures taken under load are upper bounds.\n\n"
        "| date | segments | cells labelled | label_cells | import_streets | build_grid (with labels) | map views |"
        " load (1 min) | target |\n|---|---|---|---|---|---|---|---|---|\n"
    )
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    pattern = re.compile(rf"{re.escape(SECTION)}\n.*?(?=\n## |\Z)", re.S)
    if pattern.search(text):
        text = pattern.sub(lambda m: header + row + "\n", text)
    else:
        text = text.rstrip("\n") + "\n\n" + header + row + "\n"
    RESULTS.write_text(text)


if __name__ == "__main__":
    main()
