"""Backups: a consistent copy of the database and its photos, and bringing one back.

One backup is one .tar file an administrator can copy anywhere: `manifest.json`
first (what was copied, with sizes and SHA-256 sums), then the database (SQLite's
online backup of the SpatiaLite file, or `pg_dump`'s custom format for PostGIS),
then under `media/` every photo and thumbnail the database refers to.

The media files are taken from the database's snapshot, not from a listing of
MEDIA_ROOT: a photo is written before the transaction that records it commits,
so a listing would also catch files of transactions still running or rolled
back (half-written ones among them). `pending/` holds no file the database
refers to and is never copied.

A restore checks everything before it changes anything: each file against the
manifest, SQLite's `PRAGMA integrity_check`, the row counts; the database is
then replaced in one step (a file rename, or one PostgreSQL transaction that
rolls back if the counts differ), and the media files are moved into place.
"""

import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path, PurePosixPath

import django
from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

FORMAT = "floodwatch-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MANIFEST_MAX_BYTES = 64 * 1024 * 1024
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
ENGINE_NAMES = {"sqlite": "SpatiaLite", "postgresql": "PostGIS"}
MEDIA = "media/"
PENDING = "pending/"  # photos kept across a failed submit (hazards.photos): never backed up
CHUNK = 1024 * 1024
TABLE_NAME = re.compile(r"[A-Za-z0-9_]{1,63}")
SHA256 = re.compile(r"[0-9a-f]{64}")
# The postgis extension is the target's own (it may exist already, and only its
# owner may comment on it), so these entries of a dump's table of contents are skipped.
EXTENSION_ENTRY = re.compile(r"^\d+; \d+ \d+ (EXTENSION|COMMENT - EXTENSION) ")


class BackupError(Exception):
    """A backup could not be written, or a backup cannot be restored; the message says why."""


# Writing a backup


def create(directory, *, connection, media_root, log=print):
    """Write a backup of the database and its media files into directory; returns its path and manifest."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    started = timezone.now()
    target = directory / f"floodwatch-{timezone.localtime(started):%Y%m%d-%H%M%S}.tar"
    if target.exists():
        raise BackupError(f"{target} already exists; wait a second and run the backup again.")
    media_root = Path(media_root)
    with tempfile.TemporaryDirectory(prefix=".floodwatch-backup-", dir=directory) as staging:
        database_file = Path(staging) / DATABASE_FILES[_vendor(connection)]
        contents = _snapshot(connection, database_file)
        media, missing = _media_entries(media_root, contents.pop("media_names"))
        for name in missing:
            log(f"Warning: {name} is in the database but not in {media_root}; the backup goes on without it.")
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": timezone.localtime(started).isoformat(),
            "floodwatch_commit": _git_commit(),
            "django_version": django.get_version(),
            "database": {
                "engine": _vendor(connection),
                "django_engine": connection.settings_dict["ENGINE"],
                "file": database_file.name,
                **_file_entry(database_file),
            },
            **contents,
            "media": media,
            "media_missing": missing,
        }
        partial = target.with_name(target.name + ".partial")
        try:
            _write_tar(partial, manifest, database_file, media_root)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        os.replace(partial, target)  # only a complete backup carries the .tar name
    return target, manifest


def _vendor(connection):
    if connection.vendor not in DATABASE_FILES:
        raise BackupError(f"Backups support SpatiaLite and PostGIS, not {connection.settings_dict['ENGINE']}.")
    return connection.vendor


def _snapshot(connection, database_file):
    """Copy the database to database_file; returns what that copy holds (migrations, row counts, media names)."""
    if connection.vendor == "sqlite":
        return _sqlite_snapshot(connection, database_file)
    return _postgres_snapshot(connection, database_file)


def _sqlite_snapshot(connection, database_file):
    # The online backup API copies every page inside one read transaction:
    # writers go on (WAL) and the copy is the database as of one commit.
    try:  # mode=rw: a database that is not there is an error, not a new empty file
        source = sqlite3.connect(Path(connection.settings_dict["NAME"]).resolve().as_uri() + "?mode=rw",
                                 uri=True, timeout=30)
    except sqlite3.OperationalError as error:
        raise BackupError(f"Cannot open the database {connection.settings_dict['NAME']}: {error}.")
    copy = sqlite3.connect(database_file)
    try:
        source.backup(copy)
        _check_integrity(copy, "The live database")
        return _contents(copy.cursor(), _sqlite_tables(copy))
    finally:
        source.close()
        copy.close()


def _postgres_snapshot(connection, database_file):
    # pg_dump runs in a snapshot this session exports, and the counts and file
    # names are read in the same snapshot: the manifest describes the dump exactly.
    try:
        session = connection.Database.connect(**connection.get_connection_params())
    except connection.Database.Error as error:
        raise BackupError(f"Cannot connect to the database {connection.settings_dict['NAME']}: {error}")
    try:
        session.isolation_level = connection.Database.IsolationLevel.REPEATABLE_READ
        session.read_only = True
        cursor = session.cursor()
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot_id = cursor.fetchone()[0]
        _run(
            ["pg_dump", "--format=custom", "--lock-wait-timeout=60s", f"--snapshot={snapshot_id}",
             f"--file={database_file}"],
            connection,
        )
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        return _contents(cursor, {row[0] for row in cursor.fetchall()})
    finally:
        session.close()


def _sqlite_tables(db):
    return {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _check_integrity(db, what):
    try:
        result = [row[0] for row in db.execute("PRAGMA integrity_check")]
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{what} is damaged: {error}.")
    if result != ["ok"]:
        raise BackupError(f"{what} fails SQLite's integrity check: {'; '.join(result[:5])}")


def _contents(cursor, existing_tables):
    """What a database holds, read through a DB-API cursor: applied migrations, rows per table, media names."""
    tables = sorted((_managed_tables() | {"django_migrations"}) & existing_tables)
    row_counts = {}
    for table in tables:
        cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
        row_counts[table] = cursor.fetchone()[0]
    migrations = []
    if "django_migrations" in existing_tables:
        cursor.execute('SELECT "app", "name" FROM "django_migrations" ORDER BY "id"')
        migrations = [f"{app}.{name}" for app, name in cursor.fetchall()]
    media_names = set()
    for table, column in _file_columns():
        if table in existing_tables:
            cursor.execute(f'SELECT DISTINCT "{column}" FROM "{table}" WHERE "{column}" IS NOT NULL AND "{column}" <> \'\'')
            media_names.update(row[0] for row in cursor.fetchall())
    return {"migrations": migrations, "row_counts": row_counts, "media_names": sorted(media_names)}


def _managed_tables():
    """The tables migrations make (not PostGIS's spatial_ref_sys, which the extension owns)."""
    return {m._meta.db_table for m in apps.get_models(include_auto_created=True) if m._meta.managed}


def _file_columns():
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.FileField):
                yield model._meta.db_table, field.column


def _media_entries(media_root, names):
    """The manifest's entry (path, size, sha256) for each file; and the names not found on disk."""
    entries, missing = [], []
    for name in names:
        path = media_root / name if _safe_media_name(name) else None
        if path is None or not path.is_file():
            missing.append(name)
            continue
        entries.append({"path": name, **_file_entry(path)})
    return entries, missing


def _safe_media_name(name):
    """A relative path inside MEDIA_ROOT: no absolute path, no "..", nothing from pending/."""
    if not isinstance(name, str) or not name or "\\" in name or "\x00" in name or name.startswith(PENDING):
        return False
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts and str(path) == name


def _file_entry(path):
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return {"size": size, "sha256": digest.hexdigest()}


def _write_tar(path, manifest, database_file, media_root):
    # The backup holds password hashes and sessions: readable by its owner only.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
            body = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
            _add(tar, MANIFEST, len(body), io.BytesIO(body))
            _add_checked(tar, manifest["database"]["file"], database_file, manifest["database"])
            for entry in manifest["media"]:
                _add_checked(tar, MEDIA + entry["path"], media_root / entry["path"], entry)
        out.flush()
        os.fsync(out.fileno())


def _add_checked(tar, name, path, entry):
    """Add a file, checking that what went into the archive is what the manifest says."""
    with open(path, "rb") as f:
        reader = _Reader(f)
        try:
            _add(tar, name, entry["size"], reader)
        except OSError:
            reader.size = -1
    if (reader.size, reader.digest.hexdigest()) != (entry["size"], entry["sha256"]):
        raise BackupError(f"{path} changed while the backup was being written; run the backup again.")


def _add(tar, name, size, fileobj):
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, 0o600, int(timezone.now().timestamp())
    tar.addfile(info, fileobj)


class _Reader:
    """Reads a file for tarfile, hashing and counting what it hands over."""

    def __init__(self, f):
        self.f, self.digest, self.size = f, hashlib.sha256(), 0

    def read(self, n=-1):
        chunk = self.f.read(n)
        self.digest.update(chunk)
        self.size += len(chunk)
        return chunk


def _git_commit():
    try:
        result = subprocess.run(["git", "-C", str(settings.BASE_DIR), "rev-parse", "HEAD"],
                                capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() if result.returncode == 0 else None


# Restoring a backup


def restore(path, *, connection, media_root, force=False, check_only=False, log=print):
    """Bring a backup back into this installation's database and MEDIA_ROOT, refusing unless it is empty
    (or force); with check_only, verify the backup and change nothing."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path} is not a file. Give the path of a backup .tar written by `manage.py backup`.")
    media_root = Path(media_root)
    try:
        with tarfile.open(path, mode="r:") as tar:
            manifest = _read_manifest(tar)
            _check_target(manifest, connection, force=force or check_only)
            media_root.mkdir(parents=True, exist_ok=True)
            with _Staging(manifest, connection, media_root) as staging:
                _extract(tar, manifest, staging)
                _check_database(manifest, staging.database)
                if check_only:
                    log(f"{path} is complete and intact: {describe(manifest)}.")
                    return manifest
                _replace_database(manifest, connection, staging.database)
                try:
                    _move_media(staging.media, media_root)
                except OSError as error:
                    raise BackupError(f"The database was restored, but moving the media files into {media_root} "
                                      f"failed ({error}); free the space or fix the rights, then restore with --force.")
    except (tarfile.TarError, EOFError) as error:
        raise BackupError(f"{path} is not a complete backup archive ({error}); nothing was restored.")
    log(f"Restored {describe(manifest)} from {path} (made {manifest['created_at']}).")
    for name in manifest.get("media_missing", []):
        log(f"Warning: {name} was already missing when the backup was made.")
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        log("The backup was made by an older Floodwatch: run `manage.py migrate` before starting the app.")
    return manifest


def describe(manifest):
    """What a backup holds, in words: "a SpatiaLite database with 1,234 rows in 45 tables and 56 media files"."""
    rows = sum(manifest["row_counts"].values())
    return (f"a {ENGINE_NAMES[manifest['database']['engine']]} database with {rows:,} rows "
            f"in {len(manifest['row_counts'])} tables and {len(manifest['media']):,} media files")


def _read_manifest(tar):
    member = tar.next()
    if member is None or member.name != MANIFEST or not member.isfile() or member.size > MANIFEST_MAX_BYTES:
        raise BackupError(f"This is not a Floodwatch backup: its first file must be {MANIFEST}.")
    try:
        manifest = json.loads(tar.extractfile(member).read())
    except ValueError as error:
        raise BackupError(f"The backup's {MANIFEST} is damaged ({error}); nothing was restored.")
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"This is not a Floodwatch backup: its {MANIFEST} is not ours.")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(f"This backup has format version {manifest.get('format_version')}; "
                          f"this Floodwatch reads version {FORMAT_VERSION}.")
    try:
        _check_manifest(manifest)
    except (KeyError, TypeError, AttributeError):
        raise BackupError(f"The backup's {MANIFEST} is incomplete; nothing was restored.")
    return manifest


def _check_manifest(manifest):
    database = manifest["database"]
    if database["engine"] not in DATABASE_FILES or database["file"] != DATABASE_FILES[database["engine"]]:
        raise BackupError(f"The backup's {MANIFEST} names an unknown database: {database['engine']}.")
    entries = [database] + manifest["media"]
    if not all(isinstance(e["size"], int) and SHA256.fullmatch(e["sha256"]) for e in entries):
        raise BackupError(f"The backup's {MANIFEST} has a bad size or checksum.")
    for entry in manifest["media"]:
        if not _safe_media_name(entry["path"]):
            raise BackupError(f"The backup's {MANIFEST} lists a media file outside MEDIA_ROOT: {entry['path']!r}.")
    if not all(TABLE_NAME.fullmatch(t) and isinstance(n, int) for t, n in manifest["row_counts"].items()):
        raise BackupError(f"The backup's {MANIFEST} has bad row counts.")
    if not all(isinstance(m, str) for m in manifest["migrations"]):
        raise BackupError(f"The backup's {MANIFEST} has a bad list of migrations.")


def _check_target(manifest, connection, *, force):
    """Refuse a backup of another engine or of newer code, and a database that already holds data."""
    engine = manifest["database"]["engine"]
    if connection.vendor != engine:
        raise BackupError(
            f"This backup holds a {ENGINE_NAMES[engine]} database, but this installation uses "
            f"{ENGINE_NAMES.get(connection.vendor, connection.vendor)}. Restore it into an installation "
            f"with the same database engine (see DATABASE_URL)."
        )
    known = {f"{app}.{name}" for app, name in MigrationLoader(None, ignore_no_migrations=True).disk_migrations}
    unknown = [m for m in manifest["migrations"] if m not in known]
    if unknown:
        raise BackupError(f"This backup was made by a newer Floodwatch (migration {unknown[0]} is unknown here). "
                          "Update the code to that version first, then restore.")
    if force:
        return
    held = _data_held(connection)
    if held:
        raise BackupError(
            f"The database {connection.settings_dict['NAME']} already has {held}. A backup is restored only "
            "into an empty installation; add --force to replace everything in it."
        )


def _data_held(connection):
    """What the target database already holds of what matters ("3 users and 12 hazards"), or ""."""
    tables = connection.introspection.table_names()
    held = []
    with connection.cursor() as cursor:
        for table, what in (("auth_user", "user"), ("hazards_hazard", "hazard")):
            if table in tables:
                cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
                count = cursor.fetchone()[0]
                if count:
                    held.append(f"{count} {what}{'s' if count > 1 else ''}")
    connection.close()
    return " and ".join(held)


class _Staging:
    """Where a restore unpacks before anything moves; removed afterwards, whatever happens.

    Media files inside MEDIA_ROOT and a SpatiaLite file beside the live one, so that moving them into
    place is a rename; a PostGIS dump (and the SQL made from it) in the system's temporary directory,
    never under MEDIA_ROOT, which is served.
    """

    def __init__(self, manifest, connection, media_root):
        self.media = Path(tempfile.mkdtemp(prefix=".floodwatch-restore-", dir=media_root))
        beside = Path(connection.settings_dict["NAME"]).parent if connection.vendor == "sqlite" else None
        self.work = Path(tempfile.mkdtemp(prefix=".floodwatch-restore-", dir=beside))
        self.database = self.work / manifest["database"]["file"]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        shutil.rmtree(self.media, ignore_errors=True)
        shutil.rmtree(self.work, ignore_errors=True)


def _extract(tar, manifest, staging):
    """Unpack every file the manifest lists, each checked against its size and sha256; nothing else."""
    database = manifest["database"]
    expected = {database["file"]: (database, staging.database)}
    expected.update({MEDIA + e["path"]: (e, staging.media / e["path"]) for e in manifest["media"]})
    seen = set()
    while (member := tar.next()) is not None:
        if member.name not in expected or member.name in seen or not member.isfile():
            raise BackupError(f"The backup holds {member.name}, which its manifest does not list; nothing was restored.")
        seen.add(member.name)
        entry, destination = expected[member.name]
        if member.size != entry["size"]:
            raise BackupError(f"{member.name} in the backup is damaged: {member.size} bytes where the manifest "
                              f"says {entry['size']}; nothing was restored.")
        destination.parent.mkdir(parents=True, exist_ok=True)
        with tar.extractfile(member) as source, open(destination, "wb") as out:
            reader = _Reader(source)
            shutil.copyfileobj(reader, out, CHUNK)
        if reader.digest.hexdigest() != entry["sha256"]:
            raise BackupError(f"{member.name} in the backup is damaged: its checksum differs from the manifest's; "
                              "nothing was restored.")
    missing = sorted(set(expected) - seen)
    if missing:
        raise BackupError(f"The backup is incomplete: {len(missing)} of the files its manifest lists are missing "
                          f"(first: {missing[0]}); nothing was restored.")


def _check_database(manifest, database_file):
    if manifest["database"]["engine"] == "sqlite":
        db = sqlite3.connect(database_file)
        try:
            _check_integrity(db, "The database in the backup")
            counts = _contents(db.cursor(), _sqlite_tables(db))["row_counts"]
        except sqlite3.DatabaseError as error:
            raise BackupError(f"The database in the backup cannot be read: {error}; nothing was restored.")
        finally:
            db.close()
        differences = [(t, counts.get(t), n) for t, n in manifest["row_counts"].items() if counts.get(t) != n]
        if differences:
            table, found, listed = differences[0]
            raise BackupError(f"The database in the backup does not match its manifest: {table} has {found} rows, "
                              f"the manifest says {listed}; nothing was restored.")
    else:
        _run(["pg_restore", "--list", str(database_file)], None, failure="The database dump in the backup cannot be read")


def _replace_database(manifest, connection, database_file):
    connection.close()
    if connection.vendor == "sqlite":
        target = Path(connection.settings_dict["NAME"])
        # A journal left beside the old file would be replayed into the new one.
        for suffix in ("-wal", "-shm", "-journal"):
            target.with_name(target.name + suffix).unlink(missing_ok=True)
        os.chmod(database_file, target.stat().st_mode & 0o777 if target.exists() else 0o644)
        os.replace(database_file, target)
    else:
        _postgres_restore(manifest, connection, database_file)


def _postgres_restore(manifest, connection, dump):
    """Replace the database's tables with the dump's, in one transaction that rolls back
    unless every table then holds the rows the manifest counted."""
    toc = _run(["pg_restore", "--list", str(dump)], None)
    kept = dump.with_suffix(".list")
    kept.write_text("".join(line for line in toc.splitlines(keepends=True) if not EXTENSION_ENTRY.match(line)))
    script = dump.with_suffix(".sql")
    _run(["pg_restore", "--no-owner", "--no-privileges", f"--use-list={kept}", f"--file={script}", str(dump)], None)
    _run(
        ["psql", "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1", "--single-transaction",
         "--command", "CREATE EXTENSION IF NOT EXISTS postgis;\n" + DROP_TABLES,
         f"--file={script}",
         "--command", "RESET search_path;\n" + _count_checks(manifest["row_counts"])],
        connection,
        failure="Restoring the database failed and was rolled back; nothing was restored",
    )


# The tables of this schema, except the postgis extension's own (spatial_ref_sys).
DROP_TABLES = """
DO $$ DECLARE t text; BEGIN
  FOR t IN SELECT quote_ident(c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
             AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                             AND d.objid = c.oid AND d.deptype = 'e')
  LOOP EXECUTE 'DROP TABLE IF EXISTS ' || t || ' CASCADE'; END LOOP;
END $$;
"""


def _count_checks(row_counts):
    checks = "".join(
        f"  SELECT COUNT(*) INTO n FROM \"{table}\";\n"
        f"  IF n <> {count} THEN RAISE EXCEPTION '{table} has % rows, the manifest says {count}', n; END IF;\n"
        for table, count in row_counts.items()
    )
    return f"DO $$ DECLARE n bigint; BEGIN\n{checks}END $$;"


def _move_media(staged_root, media_root):
    for staged in sorted(p for p in staged_root.rglob("*") if p.is_file()):
        destination = media_root / staged.relative_to(staged_root)
        destination.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged, destination)


def _run(command, connection, failure=None):
    """Run a PostgreSQL client; the connection's credentials go in its environment, never on its command line."""
    env = dict(os.environ)
    if connection is not None:
        env.update(_libpq_env(connection.settings_dict))
    try:
        result = subprocess.run(command, env=env, capture_output=True, text=True)
    except FileNotFoundError:
        raise BackupError(f"{command[0]} is not installed: apt-get install postgresql-client-15.")
    if result.returncode != 0:
        raise BackupError(f"{failure or command[0] + ' failed'}: {result.stderr.strip()}")
    return result.stdout


def _libpq_env(settings_dict):
    values = {
        "PGHOST": settings_dict.get("HOST"),
        "PGPORT": settings_dict.get("PORT"),
        "PGUSER": settings_dict.get("USER"),
        "PGPASSWORD": settings_dict.get("PASSWORD"),
        "PGDATABASE": settings_dict.get("NAME"),
        "PGSSLMODE": settings_dict.get("OPTIONS", {}).get("sslmode"),
    }
    return {name: str(value) for name, value in values.items() if value}
