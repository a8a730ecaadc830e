"""manage.py backup while the app is in use, and manage.py restore into a fresh installation."""

import contextlib
import hashlib
import io
import os
import re
import sqlite3
import subprocess
import sys
import tarfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.db.utils import load_backend

from hazards import services
from hazards.models import Hazard, HazardPhoto, ProgressPhoto, ProgressUpdate, WorkOrder

from .conftest import jpeg, make_hazard

pytestmark = pytest.mark.django_db(transaction=True)  # the backup reads what other connections committed


@dataclass
class Installation:
    """Another Floodwatch on this machine: its own empty database and MEDIA_ROOT."""

    database: dict
    media_root: Path
    env: dict

    def manage(self, *args):
        """Run manage.py there, as an administrator would on its shell."""
        return subprocess.run([sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env=self.env,
                              capture_output=True, text=True, timeout=600)

    @contextlib.contextmanager
    def db(self):
        """A connection alias to its database, for reading what the restore put there."""
        # Connected before it joins `connections`: the test case forbids new
        # connections to aliases it was not set up with.
        wrapper = load_backend(self.database["ENGINE"]).DatabaseWrapper(self.database, "restored")
        wrapper.ensure_connection()
        connections.settings["restored"] = self.database
        connections["restored"] = wrapper
        try:
            yield "restored"
        finally:
            connections["restored"].close()
            del connections["restored"]
            del connections.settings["restored"]

    def tables(self):
        with self.db() as alias:
            return set(connections[alias].introspection.table_names())

    def media_files(self):
        return {p.relative_to(self.media_root).as_posix(): sha256(p) for p in self.media_root.rglob("*") if p.is_file()}


@pytest.fixture
def fresh_installation(tmp_path):
    live = connection.settings_dict
    home = tmp_path / "fresh"
    home.mkdir()
    env = {**os.environ, "FLOODWATCH_TESTING": "1", "MEDIA_ROOT": str(home / "media")}
    env.setdefault("SECRET_KEY", "test-key-for-the-restored-installation")
    if connection.vendor == "sqlite":
        env.pop("DATABASE_URL", None)
        env["SQLITE_PATH"] = str(home / "floodwatch.sqlite3")
        yield Installation({**live, "NAME": env["SQLITE_PATH"]}, home / "media", env)
        return
    name = live["NAME"] + "_restore"
    credentials = quote(live["USER"]) + (":" + quote(live["PASSWORD"]) if live["PASSWORD"] else "")
    env["DATABASE_URL"] = f"postgis://{credentials}@{live['HOST']}:{live['PORT'] or 5432}/{name}"
    postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    postgres_admin("CREATE EXTENSION IF NOT EXISTS postgis", dbname=name)  # as the README's setup does
    yield Installation({**live, "NAME": name}, home / "media", env)
    postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgres_admin(*statements, dbname="postgres"):
    params = {**connection.get_connection_params(), "dbname": dbname}
    with connection.Database.connect(**params, autocommit=True) as admin:
        for statement in statements:
            admin.execute(statement)


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def take_backup(tmp_path):
    out = io.StringIO()
    call_command("backup", str(tmp_path / "backups"), stdout=out)
    (path,) = (tmp_path / "backups").glob("*.tar")
    assert f"to {path}" in out.getvalue()
    return path


def wait_for(condition, seconds=60):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the writers made no progress"
        time.sleep(0.05)


class RolledBack(Exception):
    pass


def test_a_backup_taken_during_concurrent_writes_restores_all_that_was_committed_and_nothing_else(
    rivers, cast, tmp_path, fresh_installation
):
    hazard = make_hazard(rivers["chaobai"], 9000, kind="sediment", title="Sand bar")
    HazardPhoto.from_upload(jpeg(), cast["inspector"], hazard=hazard)
    order = WorkOrder.objects.create(title="Dredge", kind="dredge", hazard=hazard)
    order.engineers.add(cast["engineer"], cast["engineer2"])
    stop, errors = threading.Event(), []

    def writer(write):
        try:
            while not stop.wait(0.02):  # a breath between writes, or SQLite's busy wait lets one writer starve the rest
                write()
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    def post_progress(user):
        current = WorkOrder.objects.get(pk=order.pk)
        with contextlib.suppress(services.StaleVersion):  # someone got there first: read again, as a person would
            services.progress_update_create(order_id=order.pk, user=user, percent=min(current.progress_pct + 1, 99),
                                            note=f"by {user.username}", version=current.version, photos=[jpeg()])

    def report_and_roll_back():
        with contextlib.suppress(RolledBack), transaction.atomic():
            never = make_hazard(rivers["xiaotaihou"], 3000, title="Never committed")
            HazardPhoto.from_upload(jpeg(colour="#ff0000"), cast["inspector"], hazard=never)
            raise RolledBack

    writes = [lambda: post_progress(cast["engineer"]), lambda: post_progress(cast["engineer2"]), report_and_roll_back]
    threads = [threading.Thread(target=writer, args=(write,)) for write in writes]
    for thread in threads:
        thread.start()
    try:
        wait_for(lambda: ProgressUpdate.objects.count() >= 3)
        before = committed_state()
        backup = take_backup(tmp_path)
        wait_for(lambda: ProgressUpdate.objects.count() > len(before["updates"]) + 3)  # the writers went on
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert errors == []
    after = committed_state()

    with tarfile.open(backup) as tar:
        assert tar.getnames()[0] == "manifest.json"
    result = fresh_installation.manage("restore", str(backup))
    assert result.returncode == 0, result.stderr
    assert "Restored a " in result.stdout
    if connection.vendor == "sqlite":
        with contextlib.closing(sqlite3.connect(fresh_installation.database["NAME"])) as restored_file:
            assert restored_file.execute("PRAGMA integrity_check").fetchall() == [("ok",)]

    restored = fresh_installation
    with restored.db() as db:
        state = committed_state(db, media_root=restored.media_root)
        order_there = WorkOrder.objects.using(db).get(pk=order.pk)
        latest_history = order_there.history.using(db).first()
        assert not Hazard.objects.using(db).filter(title="Never committed").exists()
        assert not Hazard.history.using(db).filter(title="Never committed").exists()

    # Every row, photo and history record committed before the backup started is there, as it was.
    for part in ("updates", "photos", "history"):
        assert before[part].items() <= state[part].items(), part
    # Nothing that was never committed, and a state the app was in at one moment:
    # the first updates in commit order, each with its photo and its history.
    assert state["updates"].items() <= after["updates"].items()
    assert list(state["updates"]) == sorted(after["updates"])[:len(state["updates"])]
    assert state["history"].items() <= after["history"].items()
    assert len(state["photos"]) == 2 * (len(state["updates"]) + 1)  # a photo and a thumbnail each, and the hazard's
    assert order_there.progress_pct == state["updates"][max(state["updates"])][1]
    assert (latest_history.version, latest_history.progress_pct) == (order_there.version, order_there.progress_pct)
    # Only the files the restored rows name: no photo of a rolled-back report, nothing half-written.
    assert restored.media_files() == state["photos"]


def committed_state(db="default", media_root=None):
    """What a user would look for: progress updates, every photo file with its checksum, history records."""
    media_root = Path(media_root or settings.MEDIA_ROOT)
    photos = {}
    for photo in [*ProgressPhoto.objects.using(db), *HazardPhoto.objects.using(db)]:
        for name in (photo.image.name, photo.thumbnail.name):
            photos[name] = sha256(media_root / name)
    history = {}
    for model in (ProgressUpdate, WorkOrder, Hazard):
        for record in model.history.using(db).values("history_id", "history_type", "history_date", "history_user"):
            history[(model.__name__, record.pop("history_id"))] = tuple(record.values())
    updates = {u.pk: (u.note, u.percent, u.author_id) for u in ProgressUpdate.objects.using(db).order_by("pk")}
    return {"updates": updates, "photos": photos, "history": history}


def rewrite_backup(path, change):
    """The same backup with one member changed: change(name, data) returns the new data, or None to leave it out."""
    with tarfile.open(path) as tar:
        members = [(m, tar.extractfile(m).read()) for m in tar.getmembers()]
    with tarfile.open(path, "w") as tar:
        for member, data in members:
            data = change(member.name, data)
            if data is not None:
                member.size = len(data)
                tar.addfile(member, io.BytesIO(data))


def change_one_photo(name, data):
    return data[:-100] + bytes(b ^ 0xFF for b in data[-100:]) if name.startswith("media/photos/") else data


def truncate_the_database(name, data):
    return data[: len(data) // 2] if name.startswith("database.") else data


def leave_out_one_photo(name, data):
    return None if name.startswith("media/photos/") else data


def add_a_future_migration(name, data):
    return data.replace(b'"migrations": [', b'"migrations": [\n    "hazards.9999_from_the_future",') if name == "manifest.json" else data


@pytest.mark.parametrize("tamper, message", [
    (change_one_photo, r"media/photos/\w+\.jpg in the backup is damaged: its checksum differs from the manifest's"),
    (truncate_the_database, r"database\.\w+ in the backup is damaged: \d+ bytes where the manifest says \d+"),
    (leave_out_one_photo, r"The backup is incomplete: 1 of the files its manifest lists are missing"),
    (add_a_future_migration, r"This backup was made by a newer Floodwatch \(migration hazards.9999_from_the_future"),
], ids=["a changed photo", "a truncated database", "a missing photo", "a migration this code does not know"])
def test_a_damaged_backup_is_refused_with_a_clear_message_and_restores_nothing(
    tamper, message, rivers, cast, tmp_path, fresh_installation
):
    HazardPhoto.from_upload(jpeg(), cast["inspector"], hazard=make_hazard(rivers["chaobai"], 9000))
    backup = take_backup(tmp_path)
    rewrite_backup(backup, tamper)

    result = fresh_installation.manage("restore", str(backup))

    assert result.returncode == 1
    assert message_in(message, result.stderr)
    assert_nothing_restored(fresh_installation)


def test_a_backup_cut_short_in_copying_is_refused_and_restores_nothing(rivers, cast, tmp_path, fresh_installation):
    HazardPhoto.from_upload(jpeg(), cast["inspector"], hazard=make_hazard(rivers["chaobai"], 9000))
    backup = take_backup(tmp_path)
    os.truncate(backup, backup.stat().st_size // 2)

    result = fresh_installation.manage("restore", str(backup))

    assert result.returncode == 1
    assert f"{backup} is not a complete backup archive" in result.stderr
    assert_nothing_restored(fresh_installation)


def test_a_restore_refuses_an_installation_that_has_users_unless_forced(rivers, cast, tmp_path, fresh_installation):
    make_hazard(rivers["chaobai"], 9000)
    backup = take_backup(tmp_path)

    check = fresh_installation.manage("restore", "--check", str(backup))
    assert check.returncode == 0, check.stderr
    assert f"{backup} is complete and intact" in check.stdout
    assert_nothing_restored(fresh_installation)

    assert fresh_installation.manage("restore", str(backup)).returncode == 0
    again = fresh_installation.manage("restore", str(backup))
    assert again.returncode == 1
    assert "already has 6 users and 1 hazard." in again.stderr and "add --force" in again.stderr
    forced = fresh_installation.manage("restore", "--force", str(backup))
    assert forced.returncode == 0, forced.stderr
    with fresh_installation.db() as db:
        assert Hazard.objects.using(db).count() == 1


def message_in(pattern, text):
    return re.search(pattern, text) is not None


def assert_nothing_restored(installation):
    assert "auth_user" not in installation.tables()
    assert installation.media_files() == {}
    leftovers = [p.name for p in installation.media_root.parent.rglob("*") if "restore" in p.name]
    assert leftovers == []
