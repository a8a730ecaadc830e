"""The load test: 50 people at once for 60 s on the map's tiles, the API and the lists, engineers among them posting
progress, against gunicorn on 127.0.0.1 serving the benchmark's database as in production (DEBUG off).

Called by bench/scale.py once its hazards are generated. Locust runs from its own venv (var/load-venv, pinned in
bench/requirements-load.txt), with users already logged in (sessions made here: 50 logins through the production
password hasher would be measured instead of the app). Targets: no error, 95 % of answers within 200 ms on PostGIS.
"""

import csv
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

USERS, SECONDS = int(os.environ.get("LOAD_USERS", "50")), int(os.environ.get("LOAD_SECONDS", "60"))
WORKERS = int(os.environ.get("LOAD_WORKERS", str(2 * (os.cpu_count() or 1) + 1)))
ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / "var" / "load-venv"
OUT = ROOT / "var" / "bench"


def load_venv():
    """var/load-venv with locust, made once from bench/requirements-load.txt."""
    locust = VENV / "bin" / "locust"
    stamp = VENV / ".requirements"
    requirements = ROOT / "bench" / "requirements-load.txt"
    if not locust.exists() or not stamp.exists() or stamp.read_text() != requirements.read_text():
        subprocess.run(["/usr/bin/python3", "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(VENV / "bin" / "pip"), "install", "-q", "-r", str(requirements)], check=True)
        stamp.write_text(requirements.read_text())
    return locust


def sessions(users):
    """A logged-in session for each user, as a browser would hold after logging in."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    keys = []
    for user in users:
        session = SessionStore()
        session[SESSION_KEY], session[BACKEND_SESSION_KEY] = str(user.pk), "hazards.roles.RoleBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        keys.append(session.session_key)
    return keys


def plan(path, connection):
    """Who the users are and what they ask for, written for the locustfile."""
    from django.contrib.auth.models import User

    from hazards import tiles
    from hazards.filters import in_bbox
    from hazards.models import Hazard, WorkOrder

    readers = list(User.objects.filter(username__in=["leader", "inspector", "admin"]))
    slots = []
    orders = (WorkOrder.objects.filter(status__in=["planned", "in_progress"], progress_pct__lt=60, hazard__isnull=False)
              .exclude(engineers=None).prefetch_related("engineers").order_by("pk"))
    for order in orders[:USERS]:
        engineer = order.engineers.first()
        slots.append({"session": sessions([engineer])[0], "csrf": secrets.token_hex(16), "order": order.pk,
                      "version": order.version, "percent": order.progress_pct})
    hazards = list(Hazard.objects.order_by("?")[:2000])
    tile_list = set()
    for hazard in hazards[:300]:
        for z in range(10, 19):
            span = 2 ** 30 >> z
            tile_list.add((z, hazard.map_x // span, hazard.map_y // span))
    bboxes = []
    for hazard in hazards[:100]:
        half = 0.003
        box = (hazard.location.x - half, hazard.location.y - half, hazard.location.x + half, hazard.location.y + half)
        if in_bbox(Hazard.objects.all(), box).count() <= 400:
            bboxes.append(",".join(f"{v:.6f}" for v in box))
    path.write_text(json.dumps({
        "readers": sessions(readers * (USERS // len(readers) + 1)), "engineers": slots,
        "tile_format": "pbf" if tiles.vector_tiles_available() else "geojson",
        "tiles": sorted(tile_list), "codes": [h.code for h in hazards], "bboxes": bboxes or ["116.5,39.6,116.51,39.61"],
    }))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(connection):
    from django.conf import settings

    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "FLOODWATCH_TESTING")}
    # The key the sessions made here were signed with.
    env.update(SECRET_KEY=settings.SECRET_KEY, ALLOWED_HOSTS="127.0.0.1", SECURE_SSL_REDIRECT="0",
               SECURE_HSTS_SECONDS="0", SECURE_COOKIES="0", DEBUG="0", CACHE_DIR=str(OUT / "cache"))
    settings_dict = connection.settings_dict
    if connection.vendor == "postgresql":
        user = settings_dict.get("USER") or ""
        env["DATABASE_URL"] = (f"postgis://{user}@{settings_dict.get('HOST') or '127.0.0.1'}:"
                               f"{settings_dict.get('PORT') or 5432}/{settings_dict['NAME']}")
    else:
        env["SQLITE_PATH"] = str(settings_dict["NAME"])
    return env


def warm_up(port, plan):
    """A few requests of each kind for every worker first: a server that has been up a while has its
    templates compiled and its translations loaded (the first page of a new worker takes over a second)."""
    reader = plan["readers"][0]
    paths = ["/", "/hazards/", "/hazards/?sort=risk", f"/api/hazards/{plan['codes'][0]}/", f"/hazards/{plan['codes'][0]}/",
             "/tiles/hazards/{}/{}/{}.{}".format(*plan["tiles"][0], plan["tile_format"])]
    for _ in range(3 * WORKERS):
        for path in paths:
            request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Cookie": f"sessionid={reader}"})
            urllib.request.urlopen(request, timeout=60).read()


def run(table, connection):
    """Serve, load, and add the results to the table."""
    locust = load_venv()
    OUT.mkdir(parents=True, exist_ok=True)
    plan_path = OUT / "load-plan.json"
    plan(plan_path, connection)
    connection.close()  # SpatiaLite: nothing held open while the server writes
    port = free_port()
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "floodwatch.wsgi", "-b", f"127.0.0.1:{port}", "-w", str(WORKERS),
         "--access-logfile", "/dev/null", "--error-logfile", str(OUT / "gunicorn.log")],
        cwd=ROOT, env=server_env(connection))
    try:
        for _ in range(60):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        warm_up(port, json.loads(plan_path.read_text()))
        stats = OUT / "load"
        subprocess.run(
            [str(locust), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless", "-u", str(USERS), "-r", "25",
             "-t", f"{SECONDS}s", "--host", f"http://127.0.0.1:{port}", "--only-summary", "--csv", str(stats),
             "--loglevel", "WARNING", "--stop-timeout", "5"],
            cwd=ROOT, env={**os.environ, "LOAD_PLAN": str(plan_path)}, check=False, timeout=SECONDS + 120,
            stdout=subprocess.DEVNULL)
    finally:
        server.terminate()
        server.wait(timeout=30)
    report(table, stats.with_name("load_stats.csv"), connection)


def report(table, path, connection):
    rows = {row["Name"]: row for row in csv.DictReader(path.open(encoding="utf-8"))}
    total = rows["Aggregated"]
    target = 200 if connection.vendor == "postgresql" else None
    label = "load"
    table.add(f"{label}: requests", float(total["Request Count"]), "req",
              note=f"({float(total['Requests/s']):.0f}/s; {USERS} users for {SECONDS} s, {WORKERS} gunicorn workers)")
    table.add(f"{label}: errors", float(total["Failure Count"]), "req", target=0)
    table.add(f"{label}: median", float(total["50%"]))
    table.add(f"{label}: 95th percentile", float(total["95%"]), target=target,
              note="" if target else "(the 200 ms target is for PostGIS)")
    for name, row in rows.items():
        if name != "Aggregated":
            table.add(f"  load, 95th percentile: {name}", float(row["95%"]), note=f"({row['Request Count']} requests)")


if __name__ == "__main__":
    sys.exit("Run bench/scale.py: it generates the hazards this loads.")
