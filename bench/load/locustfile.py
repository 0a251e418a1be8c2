"""Shift change: officers sign in (API token; or use one given in LOAD_TOKENS_FILE), then every
LOAD_POLL_EVERY_S seconds poll their missions with the last ETag and report their position; one
analyst re-plans the shift under way every LOAD_REPLAN_EVERY_S seconds (202: a Celery worker plans it).
With LOAD_BOARD_COOKIE, LOAD_SUPERVISORS supervisors poll the board's JSON every LOAD_BOARD_EVERY_S s.

Every full answer an officer gets (the list, or the missions a ping returns) is checked: exactly
LOAD_MISSIONS_PER_BEAT missions in the beat. A half-published plan would show new missions beside the
old ones they replace (or neither): such an answer is a failure named "half-published plan".
Counts of 200s, 304s and violations go to LOAD_SUMMARY_JSON when the run ends.

Run by bench/shift_change_load.py and tests/deploy/test_load_smoke.py, which set the environment.
"""

import itertools
import json
import os
import random
from collections import Counter
from pathlib import Path

import pyproj
from locust import constant_pacing, events, task
from locust.contrib.fasthttp import FastHttpUser

MISSIONS_URL = "/api/v1/officer/missions/"
PING_URL = "/api/v1/officer/ping/"
BOARD_URL = "/supervisor/board.json"
POLL_EVERY_S = float(os.environ.get("LOAD_POLL_EVERY_S", "30"))
REPLAN_EVERY_S = float(os.environ.get("LOAD_REPLAN_EVERY_S", "60"))
PER_BEAT = int(os.environ.get("LOAD_MISSIONS_PER_BEAT", "0"))
OFFICERS = int(os.environ.get("LOAD_OFFICERS", "1"))
# Supervisors with the board page open (its JSON polled in the background), when a signed-in
# session is given (bench/shift_change_load.py stages one).
BOARD_COOKIE = os.environ.get("LOAD_BOARD_COOKIE", "")
BOARD_EVERY_S = float(os.environ.get("LOAD_BOARD_EVERY_S", "10"))
SUPERVISORS = int(os.environ.get("LOAD_SUPERVISORS", "3"))
# An officer patrols one mission's box for the run (pings from inside start it) or drives elsewhere,
# 600 m off: visits open once and stay open, as on a real shift, rather than flickering every ping.
INSIDE_SHARE = 0.3
GEOD = pyproj.Geod(ellps="WGS84")
OUTSIDE_M = 600  # north of the box: a ping that leaves it

TOKENS = (
    Path(os.environ["LOAD_TOKENS_FILE"]).read_text().split()
    if os.environ.get("LOAD_TOKENS_FILE")
    else []
)

COUNTS: Counter = Counter()
_numbers = itertools.count()


class Officer(FastHttpUser):
    wait_time = constant_pacing(POLL_EVERY_S)

    def on_start(self):
        number = next(_numbers) % OFFICERS
        self.etag = None
        self.inside = random.random() < INSIDE_SHARE
        self.pick = random.random()
        self.boxes: list[tuple[float, float]] = []
        if TOKENS:  # an MDT still holding the token it got at an earlier sign-in
            self.auth = {"Authorization": f"Token {TOKENS[number]}"}
            return
        self.auth = {}
        username = f"{os.environ['LOAD_OFFICER_PREFIX']}{number:03d}"
        with self.client.post(
            "/api/v1/auth/token/",
            name="sign in",
            catch_response=True,
            json={"username": username, "password": os.environ["LOAD_PASSWORD"]},
        ) as r:
            if r.status_code != 200:
                r.failure(f"sign in: HTTP {r.status_code}")
                return
            self.auth = {"Authorization": f"Token {r.json()['token']}"}

    @task
    def poll_and_ping(self):
        if not self.auth:
            return
        headers = {**self.auth, "If-None-Match": self.etag} if self.etag else self.auth
        with self.client.get(
            MISSIONS_URL, headers=headers, name="poll missions", catch_response=True
        ) as r:
            COUNTS[f"poll {r.status_code}"] += 1
            if r.status_code in (200, 304):  # figures apart: a 304 is the cheap answer
                r.request_meta["name"] = f"poll missions: {r.status_code}"
            if r.status_code == 304:
                r.success()
            elif r.status_code == 200:
                body = r.json()
                self.etag = r.headers.get("ETag")
                self.boxes = [_centre(f) for f in body["features"]]
                _check_whole_plan(r, body["features"], body["shift"])
            else:
                r.failure(f"HTTP {r.status_code}")
        self.ping()

    def ping(self):
        if not self.boxes:
            return
        lon, lat = self.boxes[int(self.pick * len(self.boxes))]
        if not self.inside:
            lon, lat, _ = GEOD.fwd(lon, lat, 0.0, OUTSIDE_M)
        position = {"latitude": lat, "longitude": lon, "accuracy_m": 10}
        with self.client.post(
            PING_URL, headers=self.auth, json=position, name="ping position", catch_response=True
        ) as r:
            if r.status_code != 200:
                r.failure(f"HTTP {r.status_code}")
                return
            _check_whole_plan(r, r.json()["missions"]["features"], shift=True)


class Analyst(FastHttpUser):
    fixed_count = 1
    wait_time = constant_pacing(REPLAN_EVERY_S)

    def on_start(self):
        self.auth = {"Authorization": f"Token {os.environ['LOAD_ANALYST_TOKEN']}"}

    @task
    def replan(self):
        shift = self.client.get(
            MISSIONS_URL, headers=self.auth, name="analyst: shift under way"
        ).json()["shift"]
        if shift is None:
            return
        with self.client.post(
            "/api/v1/missions/plan/",
            headers=self.auth,
            name="re-plan the shift",
            json={"date": shift["date"], "shift": shift["id"]},
            catch_response=True,
        ) as r:
            COUNTS["re-plans"] += r.status_code == 202
            if r.status_code != 202:
                r.failure(f"HTTP {r.status_code}")


if BOARD_COOKIE:

    class Supervisor(FastHttpUser):
        fixed_count = SUPERVISORS
        wait_time = constant_pacing(BOARD_EVERY_S)

        @task
        def board(self):
            headers = {
                "Cookie": BOARD_COOKIE,
                os.environ.get("LOAD_BACKGROUND_POLL_HEADER", "X-Background-Poll"): "1",
            }
            with self.client.get(
                BOARD_URL, headers=headers, name="supervisor board", catch_response=True
            ) as r:
                if r.status_code != 200:
                    r.failure(f"HTTP {r.status_code}")


def _centre(feature) -> tuple[float, float]:
    ring = feature["geometry"]["coordinates"][0]
    return sum(p[0] for p in ring) / len(ring), sum(p[1] for p in ring) / len(ring)


def _check_whole_plan(response, features, shift) -> None:
    if shift and PER_BEAT and len(features) != PER_BEAT:
        COUNTS["half-published"] += 1
        response.failure(
            f"half-published plan: {len(features)} missions in the beat, not {PER_BEAT}"
        )
    else:
        response.success()


@events.quitting.add_listener
def _write_summary(environment, **kwargs):
    path = os.environ.get("LOAD_SUMMARY_JSON")
    if path:
        with open(path, "w") as out:
            json.dump(dict(COUNTS), out)
