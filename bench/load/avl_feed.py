"""The AVL feed as a CAD sends it: U vehicles driving a random walk (about 30 m a tick), every 10-s
tick sent as B batches in parallel to POST /api/v1/avl/ with a feed token; each answer's time and
counts kept. bench/avl_live_feed.py runs it alone with time scaled down; bench/shift_change_load.py
runs it in real time beside a shift change (--avl-units). No Django here.
"""

from __future__ import annotations

import json
import statistics
import threading
import time
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import numpy as np

TICK_S = 10  # the simulated seconds between two fixes of a vehicle


class AvlFeed:
    """Vehicles `vehicle_ids` starting at (lon, lat), kept inside `bounds` (west, south, east,
    north) less a margin. `steer(tick, lon, lat)`, if given, may move vehicles after each tick's
    walk and before it is sent (bench/avl_live_feed.py drives some into mission boxes); the time
    (time.monotonic) each batch of each tick was answered is kept in `answered[tick][batch]`."""

    def __init__(
        self,
        host: str,
        token: str,
        *,
        vehicle_ids: list[str],
        lon: np.ndarray,
        lat: np.ndarray,
        bounds: tuple[float, float, float, float],
        batches: int = 1,
        seed: int = 1,
        steer: Callable[[int, np.ndarray, np.ndarray], None] | None = None,
    ):
        self.url = f"{host}/api/v1/avl/"
        self.token = token
        self.vehicle_ids = list(vehicle_ids)
        self.lon, self.lat = np.array(lon, dtype=float), np.array(lat, dtype=float)
        self.bounds = bounds
        self.batches = batches
        self.rng = np.random.default_rng(seed)
        self.latencies: list[float] = []
        self.sent = self.stored = self.duplicates = self.rejected = self.failures = 0
        self.last_tick: list[dict] = []
        self.steer = steer
        self.answered: list[list[float]] = []  # per tick, per batch: when it was answered

    def send_tick(self, at: datetime, pool: ThreadPoolExecutor) -> None:
        """Move every vehicle one tick and send their fixes at `at` as `batches` batches."""
        west, south, east, north = self.bounds
        self.lon += self.rng.normal(0, 0.0003, self.lon.size)
        self.lat += self.rng.normal(0, 0.0002, self.lat.size)
        np.clip(self.lon, west + 0.001, east - 0.001, out=self.lon)
        np.clip(self.lat, south + 0.001, north - 0.001, out=self.lat)
        if self.steer is not None:
            self.steer(len(self.answered), self.lon, self.lat)
        fixes = [
            {"unit": unit, "at": at.isoformat(), "latitude": float(y), "longitude": float(x)}
            for unit, x, y in zip(self.vehicle_ids, self.lon, self.lat, strict=True)
        ]
        parts = [fixes[i :: self.batches] for i in range(self.batches)]  # vehicle v: batch v % B
        answered = []
        for ms, body, at in pool.map(self._post_counted, parts):
            self.latencies.append(ms)
            answered.append(at)
            if body is None:
                self.failures += 1
                continue
            self.stored += body["stored"]
            self.duplicates += body["duplicates"]
            self.rejected += len(body["rejected"])
        self.sent += len(fixes)
        self.last_tick = fixes
        self.answered.append(answered)

    def run(
        self,
        *,
        first_at: datetime,
        ticks: int | None,
        tick_s: float,
        stop: threading.Event | None = None,
    ) -> float:
        """Send `ticks` ticks (None: until `stop` is set), one every `tick_s` real seconds at most;
        returns the real seconds taken."""
        began = time.monotonic()
        with ThreadPoolExecutor(self.batches) as pool:
            tick = 0
            while (ticks is None or tick < ticks) and not (stop and stop.is_set()):
                t0 = time.monotonic()
                self.send_tick(first_at + timedelta(seconds=TICK_S * tick), pool)
                tick += 1
                wait = tick_s - (time.monotonic() - t0)
                if wait > 0:
                    (stop or threading.Event()).wait(wait)  # wakes early when stopped
        return time.monotonic() - began

    def post(self, fixes: list[dict]) -> tuple[float, dict]:
        """One batch; (milliseconds, the answer's body)."""
        request = urllib.request.Request(  # noqa: S310 - our own server
            self.url,
            data=json.dumps({"positions": fixes}).encode(),
            headers={"Authorization": f"Token {self.token}", "Content-Type": "application/json"},
            method="POST",
        )
        t0 = time.perf_counter()
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - our own server
            body = json.loads(response.read())
        return (time.perf_counter() - t0) * 1000, body

    def _post_counted(self, fixes: list[dict]) -> tuple[float, dict | None, float]:
        """`post`, with an error status or a time-out as no body (a failure), not an exception;
        and when it was answered (time.monotonic)."""
        t0 = time.perf_counter()
        try:
            ms, body = self.post(fixes)
        except OSError:  # urllib's HTTPError and URLError, and time-outs
            ms, body = (time.perf_counter() - t0) * 1000, None
        return ms, body, time.monotonic()

    def figures(self) -> dict:
        """Batches, p50/p95/p99/max/mean ms, failed batches, and the fixes sent, stored,
        duplicated, refused."""
        p = np.percentile(self.latencies, [50, 95, 99]) if self.latencies else [0.0] * 3
        return {
            "batches": len(self.latencies),
            "p50": p[0],
            "p95": p[1],
            "p99": p[2],
            "max": max(self.latencies, default=0.0),
            "mean": statistics.mean(self.latencies) if self.latencies else 0.0,
            "sent": self.sent,
            "stored": self.stored,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "failures": self.failures,
        }
