"""manage.py backup / restore: a backup is refused into a used folder, a restore refuses a damaged
backup or a used database (unless --force) and proves what it brought back against the manifest.

The drill (marked postgres): the demo in a fresh database, a backup, a restore into another fresh
database and folder, and the same rows in every table and the same bytes in every file.
"""

import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection

from branches.models import Committee
from starfire import backup
from tests import factories


def _hashes(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def saved(transactional_db, tmp_path):
    """A committee, two private files and a backup of them in tmp_path/backup."""
    factories.CommitteeFactory(name="备份测试综合党委")
    default_storage.save("evidence/1/a.pdf", ContentFile(b"%PDF-1.4 evidence"))
    default_storage.save("meetings/2/b.png", ContentFile(b"\x89PNG photo"))
    call_command("backup", "--to", str(tmp_path / "backup"), stdout=io.StringIO())
    return tmp_path / "backup"


@pytest.mark.usefixtures("private_storage_backend")
def test_backup_writes_database_archive_and_manifest(saved):
    manifest = json.loads((saved / "manifest.json").read_text())
    assert manifest["engine"] == connection.vendor
    assert manifest["tables"]["branches_committee"] == 1
    assert set(manifest["files"]) == {"evidence/1/a.pdf", "meetings/2/b.png"}
    assert manifest["files"]["evidence/1/a.pdf"] == hashlib.sha256(b"%PDF-1.4 evidence").hexdigest()
    with tarfile.open(saved / "private-files.tar.gz") as tar:
        assert sorted(tar.getnames()) == ["evidence/1/a.pdf", "meetings/2/b.png"]
    for part in ("database", "archive"):
        file = saved / manifest[part]["file"]
        assert hashlib.sha256(file.read_bytes()).hexdigest() == manifest[part]["sha256"]


def test_backup_refuses_a_folder_that_is_not_empty(saved):
    with pytest.raises(CommandError, match="不是空的"):
        call_command("backup", "--to", str(saved))


def test_restore_refuses_a_used_database_without_force(saved):
    with pytest.raises(CommandError, match="--force") as exc:
        call_command("restore", "--from", str(saved))
    assert "个表" in str(exc.value)
    assert Committee.objects.count() == 1


@pytest.mark.usefixtures("private_storage_backend")
@pytest.mark.skipif(
    "sqlite" not in settings.DATABASES["default"]["ENGINE"],
    reason="in place only on SQLite; on PostgreSQL --force drops the schema (the drill covers it)",
)
def test_restore_with_force_brings_back_rows_and_files(saved):
    Committee.objects.all().delete()
    factories.CommitteeFactory(name="备份之后新建的综合党委")
    default_storage.delete("evidence/1/a.pdf")
    default_storage.save("later.txt", ContentFile(b"written after the backup"))

    call_command("restore", "--from", str(saved), "--force", stdout=io.StringIO())

    assert list(Committee.objects.values_list("name", flat=True)) == ["备份测试综合党委"]
    assert backup.file_hashes() == json.loads((saved / "manifest.json").read_text())["files"]
    assert not default_storage.exists("later.txt")


def test_restore_refuses_a_damaged_archive(saved):
    with open(saved / "private-files.tar.gz", "ab") as fh:
        fh.write(b"tampered")
    with pytest.raises(CommandError, match=r"private-files\.tar\.gz 已损坏"):
        call_command("restore", "--from", str(saved), "--force")
    assert Committee.objects.count() == 1


def test_restore_refuses_a_folder_without_manifest(tmp_path, db):
    with pytest.raises(CommandError, match="不是一个完整的备份"):
        call_command("restore", "--from", str(tmp_path))


@pytest.mark.usefixtures("private_storage_backend")
def test_restore_refuses_an_archive_that_escapes_the_folder(saved, tmp_path):
    # A backup whose archive (and its hash in the manifest) was made to write outside the folder.
    evil = tmp_path / "evil.tar.gz"
    with tarfile.open(evil, "w:gz") as tar:
        info = tarfile.TarInfo("../outside.txt")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"bad"))
    (saved / "private-files.tar.gz").write_bytes(evil.read_bytes())
    manifest = json.loads((saved / "manifest.json").read_text())
    manifest["archive"]["sha256"] = hashlib.sha256(evil.read_bytes()).hexdigest()
    (saved / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(CommandError, match="不安全的条目 ../outside.txt"):
        call_command("restore", "--from", str(saved), "--force")
    assert not (tmp_path / "outside.txt").exists()
    assert backup.stored_names() == ["evidence/1/a.pdf", "meetings/2/b.png"]  # nothing was deleted


@pytest.mark.usefixtures("private_storage_backend")
def test_verify_names_what_differs(saved):
    manifest = json.loads((saved / "manifest.json").read_text())
    factories.CommitteeFactory(name="多出来的综合党委")
    default_storage.save("evidence/1/a.pdf", ContentFile(b"another file"))
    with pytest.raises(backup.BackupError) as exc:
        backup.verify(manifest)
    assert "branches_committee: 1 → 2" in str(exc.value)
    assert "evidence/1/" in str(exc.value)


# --- the drill on PostgreSQL ----------------------------------------------------------------------


def _admin_connection(dbname="postgres"):
    db = settings.DATABASES["default"]
    return psycopg.connect(
        dbname=dbname,
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        autocommit=True,
    )


def _database_url(name: str) -> str:
    db = settings.DATABASES["default"]
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or '5432'}/{name}"


@pytest.fixture
def fresh_databases():
    """`make()` → the URL of a new, empty PostgreSQL database; all are dropped afterwards."""
    names = []

    def make():
        name = f"starfire_backup_{uuid.uuid4().hex[:12]}"
        with _admin_connection() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        names.append(name)
        return name

    yield make
    with _admin_connection() as conn:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _counts(dbname: str) -> dict[str, int]:
    """Row count of every table in the public schema, read straight from PostgreSQL."""
    with _admin_connection(dbname) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
        ]
        return {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}


def _manage(env, *args, check=True, timeout=600):
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check:
        assert result.returncode == 0, f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


def _env(dbname, media):
    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR") if k in os.environ}
    env.update(
        DJANGO_SETTINGS_MODULE="starfire.settings",
        DATABASE_URL=_database_url(dbname),
        PRIVATE_MEDIA_ROOT=str(media),
        CELERY_BROKER_URL="",
        CACHE_URL="locmemcache://backup",
        EMAIL_URL="consolemail://",
        LOG_LEVEL="WARNING",
    )
    return env


@pytest.mark.postgres
def test_backup_and_restore_drill_with_the_demo(fresh_databases, tmp_path):
    source_db, target_db = fresh_databases(), fresh_databases()
    source = _env(source_db, tmp_path / "private-source")
    target = _env(target_db, tmp_path / "private-target")
    _manage(source, "migrate", "--noinput")
    _manage(source, "load_demo", timeout=1500)  # about two minutes on an idle machine
    _manage(source, "backup", "--to", str(tmp_path / "backup"))

    restored = _manage(target, "restore", "--from", str(tmp_path / "backup"))
    assert "恢复完成并已核对" in restored.stdout

    before, after = _counts(source_db), _counts(target_db)
    assert after == before
    assert before["ratings_submission"] > 0 and before["meetings_meeting"] > 0
    files_before, files_after = _hashes(tmp_path / "private-source"), _hashes(tmp_path / "private-target")
    assert files_after == files_before
    assert len(files_before) > 100  # the demo's evidence, photos and attachments

    # Once restored, the database is no longer empty: a second restore is refused…
    again = _manage(target, "restore", "--from", str(tmp_path / "backup"), check=False)
    assert again.returncode != 0
    assert "--force" in again.stderr and target_db in again.stderr
    # …unless told to replace it, which gives the same state again.
    _manage(target, "restore", "--from", str(tmp_path / "backup"), "--force")
    assert _counts(target_db) == before
    assert _hashes(tmp_path / "private-target") == files_before
