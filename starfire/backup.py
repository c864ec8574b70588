"""Backup and restore of one Starfire installation: the database and the private files.

A backup is a folder of three files:

- the database: ``database.pgdump`` (``pg_dump -Fc``) on PostgreSQL, ``database.sqlite3`` (a copy
  made with SQLite's online backup) on SQLite;
- ``private-files.tar.gz``: every file of the private storage (evidence, photos, meeting
  attachments, objection and award files, imports), read and written through the storage API, so
  a local folder and S3-compatible object storage are backed up and restored alike;
- ``manifest.json``, written last: the row count of every table and the sha256 of every private
  file and of the two other files, so that a restore proves it brought back what was saved.

On PostgreSQL the row counts and the dump read one snapshot (the dump imports the snapshot the
counts were taken in), so they agree even while the site is in use. The password reaches
``pg_dump``/``pg_restore`` in their environment (``PGPASSWORD``), never on their command line.
"""

import datetime as dt
import hashlib
import io
import json
import os
import sqlite3
import subprocess
import tarfile
from pathlib import Path, PurePosixPath

from django.core.files.base import File
from django.db import connection
from django.utils.translation import gettext as _

from core.storage import private_storage

FORMAT = 1
MANIFEST = "manifest.json"
ARCHIVE = "private-files.tar.gz"
DUMPS = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}
CHUNK = 1024 * 1024
SHOWN_DIFFERENCES = 20


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, in words."""


# --- what there is: tables, files ---------------------------------------------------------------


def storage_label(storage=private_storage) -> str:
    """Where the private files are, in words for a message: the folder or the bucket."""
    bucket = getattr(storage, "bucket_name", None)
    return f"s3://{bucket}" if bucket else str(getattr(storage, "location", storage))


def table_counts(cursor) -> dict[str, int]:
    """The number of rows of every table the database has (as `cursor` sees it)."""
    counts = {}
    for name in sorted(connection.introspection.table_names(cursor)):
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(name)}")  # noqa: S608 - a quoted table name
        counts[name] = cursor.fetchone()[0]
    return counts


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _walk(storage, folder: str = ""):
    dirs, files = storage.listdir(folder)
    for name in files:
        yield f"{folder}/{name}" if folder else name
    for sub in dirs:
        yield from _walk(storage, f"{folder}/{sub}" if folder else sub)


def stored_names(storage=private_storage) -> list[str]:
    """Every file of the private storage, by its name ('/'-separated), sorted."""
    try:
        return sorted(_walk(storage))
    except FileNotFoundError:  # a local folder that was never made: nothing uploaded yet
        return []


def _read(storage, name: str) -> bytes:
    with storage.open(name, "rb") as fh:
        return fh.read()


def file_hashes(storage=private_storage) -> dict[str, str]:
    """sha256 of every private file, by its name."""
    hashes = {}
    for name in stored_names(storage):
        digest = hashlib.sha256()
        with storage.open(name, "rb") as fh:
            while chunk := fh.read(CHUNK):
                digest.update(chunk)
        hashes[name] = digest.hexdigest()
    return hashes


# --- PostgreSQL -----------------------------------------------------------------------------------


def _pg_environment() -> dict[str, str]:
    """libpq's variables for the configured database: the password travels here, not in argv."""
    db = connection.settings_dict
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if db.get(key):
            env[var] = str(db[key])
        else:
            env.pop(var, None)
    env["PGDATABASE"] = db["NAME"]
    sslmode = (db.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = sslmode
    return env


def _run(args: list[str], what: str) -> None:
    try:
        done = subprocess.run(args, env=_pg_environment(), capture_output=True, text=True, check=False)  # noqa: S603
    except FileNotFoundError as exc:
        raise BackupError(
            _("找不到 %(program)s：请安装 PostgreSQL 客户端（Debian：postgresql-client）。")
            % {"program": args[0]}
        ) from exc
    if done.returncode != 0:
        raise BackupError(
            _("%(what)s失败（%(program)s 退出码 %(code)s）：%(error)s")
            % {"what": what, "program": args[0], "code": done.returncode, "error": done.stderr.strip()}
        )


def _pg_backup(dump: Path) -> dict[str, int]:
    """Dump the database to `dump` and count its rows, both from one snapshot."""
    import psycopg

    db = connection.settings_dict
    params = {
        "dbname": db["NAME"],
        "user": db.get("USER") or None,
        "password": db.get("PASSWORD") or None,
        "host": db.get("HOST") or None,
        "port": db.get("PORT") or None,
        "sslmode": (db.get("OPTIONS") or {}).get("sslmode"),
    }
    with psycopg.connect(**{k: v for k, v in params.items() if v}) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        with conn.transaction(), conn.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            counts = table_counts(cursor)
            # The dump imports the snapshot, so it holds exactly the rows just counted.
            _run(
                ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
                 f"--file={dump}"],
                _("导出数据库"),
            )  # fmt: skip
    return counts


def _pg_clear() -> None:
    """Drop everything in the database's schema (restore --force)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        schema = connection.ops.quote_name(cursor.fetchone()[0])
        cursor.execute(f"DROP SCHEMA {schema} CASCADE")
        cursor.execute(f"CREATE SCHEMA {schema}")


def _pg_restore(dump: Path) -> None:
    connection.close()
    _run(
        ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
         f"--dbname={connection.settings_dict['NAME']}", str(dump)],
        _("恢复数据库"),
    )  # fmt: skip


# --- SQLite ---------------------------------------------------------------------------------------


def _sqlite_backup(dump: Path) -> dict[str, int]:
    connection.ensure_connection()
    target = sqlite3.connect(dump)
    try:
        connection.connection.backup(target)
        return table_counts(target.cursor())
    finally:
        target.close()


def _sqlite_restore(dump: Path) -> None:
    connection.ensure_connection()
    source = sqlite3.connect(dump)
    try:
        source.backup(connection.connection)
    finally:
        source.close()
    connection.close()


def _sqlite_clear() -> None:
    """Nothing to do: SQLite's backup replaces the whole database."""


ENGINES = {
    "postgresql": (_pg_backup, _pg_restore, _pg_clear),
    "sqlite": (_sqlite_backup, _sqlite_restore, _sqlite_clear),
}


def _engine():
    if connection.vendor not in ENGINES:
        raise BackupError(_("不支持备份 %(vendor)s 数据库。") % {"vendor": connection.vendor})
    return ENGINES[connection.vendor]


# --- backup ---------------------------------------------------------------------------------------


def _archive(storage, archive: Path) -> dict[str, str]:
    """Pack every private file into `archive`; each file is read once, for the archive and its hash."""
    hashes = {}
    with tarfile.open(archive, "w:gz") as tar:
        for name in stored_names(storage):
            data = _read(storage, name)
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            info.mtime = storage.get_modified_time(name).timestamp()
            tar.addfile(info, io.BytesIO(data))
            hashes[name] = hashlib.sha256(data).hexdigest()
    return hashes


def backup(target: Path) -> dict:
    """Write a backup of the database and the private files into the new folder `target`."""
    target = Path(target)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupError(_("备份文件夹 %(path)s 已存在且不是空的；请给一个新的文件夹。") % {"path": target})
    dump_database, _restore, _clear = _engine()
    target.mkdir(parents=True, exist_ok=True)
    dump = target / DUMPS[connection.vendor]
    # The database first: every file a saved row points to was written before the row.
    counts = dump_database(dump)
    hashes = _archive(private_storage, target / ARCHIVE)
    manifest = {
        "format": FORMAT,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "engine": connection.vendor,
        "database": {"file": dump.name, "sha256": sha256_of(dump)},
        "archive": {"file": ARCHIVE, "sha256": sha256_of(target / ARCHIVE)},
        "tables": counts,
        "files": hashes,
    }
    # Written last: a folder without a manifest is an unfinished backup.
    (target / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    return manifest


# --- restore --------------------------------------------------------------------------------------


def read_manifest(source: Path) -> dict:
    """The manifest of the backup in `source`, after checking the backup's files against it."""
    path = Path(source) / MANIFEST
    try:
        manifest = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise BackupError(_("%(path)s 不存在：这不是一个完整的备份。") % {"path": path}) from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise BackupError(_("%(path)s 无法读取：%(error)s") % {"path": path, "error": exc}) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(
            _("%(path)s 不是本版本的备份清单（format %(format)s）。") % {"path": path, "format": FORMAT}
        )
    for part in ("database", "archive"):
        file = Path(source) / manifest[part]["file"]
        if not file.is_file():
            raise BackupError(_("备份缺少文件 %(path)s。") % {"path": file})
        if sha256_of(file) != manifest[part]["sha256"]:
            raise BackupError(_("备份文件 %(path)s 已损坏（sha256 与清单不符）。") % {"path": file})
    return manifest


def _existing_tables() -> list[str]:
    with connection.cursor() as cursor:
        return connection.introspection.table_names(cursor)


def _safe_members(tar: tarfile.TarFile) -> list[tarfile.TarInfo]:
    """The archive's members, refusing anything but plain files and folders inside the target."""
    members = tar.getmembers()
    for member in members:
        path = PurePosixPath(member.name)
        if path.is_absolute() or ".." in path.parts or not (member.isfile() or member.isdir()):
            raise BackupError(_("文件包含不安全的条目 %(name)s，拒绝恢复。") % {"name": member.name})
    return members


def _differences(kind: str, expected: dict, actual: dict) -> list[str]:
    lines = []
    for key in sorted(expected.keys() | actual.keys()):
        if expected.get(key) != actual.get(key):
            lines.append(f"{kind} {key}: {expected.get(key, '-')} → {actual.get(key, '-')}")
    return lines


def verify(manifest: dict) -> None:
    """Compare the database and the private files with `manifest`; raise with the differences."""
    with connection.cursor() as cursor:
        lines = _differences(_("表"), manifest["tables"], table_counts(cursor))
    lines += _differences(_("文件"), manifest["files"], file_hashes(private_storage))
    if lines:
        shown = "\n".join(lines[:SHOWN_DIFFERENCES])
        more = len(lines) - SHOWN_DIFFERENCES
        if more > 0:
            shown += "\n" + _("……另有 %(n)d 处不同") % {"n": more}
        raise BackupError(_("恢复后的数据与备份清单不一致：\n%(lines)s") % {"lines": shown})


def restore(source: Path, *, force: bool = False) -> dict:
    """Bring back the backup in `source`: database, private files, then prove both against the manifest.

    Refuses a database that has tables or a private folder that has files, unless `force`, which
    replaces them."""
    source = Path(source)
    manifest = read_manifest(source)
    _backup, restore_database, clear_database = _engine()
    if manifest["engine"] != connection.vendor:
        raise BackupError(
            _("这是 %(saved)s 数据库的备份，不能恢复到 %(vendor)s 数据库。")
            % {"saved": manifest["engine"], "vendor": connection.vendor}
        )
    storage = private_storage
    tables = _existing_tables()
    present = stored_names(storage)
    files = len(present)
    if not force and (tables or files):
        raise BackupError(
            _(
                "拒绝恢复：数据库 %(db)s 已有 %(tables)d 个表，私有文件夹 %(root)s 已有 %(files)d 个文件。"
                "恢复会删除并替换它们；确认要覆盖时请加 --force。"
            )
            % {
                "db": connection.settings_dict["NAME"],
                "tables": len(tables),
                "root": storage_label(storage),
                "files": files,
            }
        )
    with tarfile.open(source / manifest["archive"]["file"], "r:gz") as tar:
        members = _safe_members(tar)  # before anything is deleted: an unsafe archive changes nothing
        if tables:
            clear_database()
        for name in present:
            storage.delete(name)
        restore_database(source / manifest["database"]["file"])
        for member in members:
            if not member.isfile():
                continue
            saved = storage.save(member.name, File(tar.extractfile(member), name=member.name))
            if saved != member.name:
                raise BackupError(
                    _("私有文件 %(name)s 未能按原名恢复：存储中已有同名文件。") % {"name": member.name}
                )
    verify(manifest)
    return manifest
