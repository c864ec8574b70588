"""English is complete: every translatable string in the code, templates and scripts has an English
translation in the catalogue, and none is fuzzy.

The check runs ``makemessages`` on a scratch copy of the project, so a string added anywhere without
a translation fails here, even when the committed catalogue was never regenerated."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
SKIP = shutil.ignore_patterns(
    ".git", ".venv", "__pycache__", "*.pyc", "test-artifacts", "var", "staticfiles", "node_modules", "*.mo"
)
COPY = [
    "manage.py",
    "core",
    "branches",
    "notifications",
    "api",
    "meetings",
    "ratings",
    "province",
    "programme",
    "starfire",
    "templates",
    "static",
]


def _entries(po: Path):
    """(msgid, msgstr values, flags) for each entry of a .po file; a tiny reader for what makemessages writes."""
    entries = []
    for block in po.read_text(encoding="utf-8").split("\n\n"):
        lines = [line for line in block.splitlines() if line and not line.startswith("#~")]
        if not lines:
            continue
        flags = " ".join(line for line in lines if line.startswith("#,"))
        fields: dict[str, str] = {}
        key = None
        for line in lines:
            if line.startswith("#"):
                continue
            if line.startswith('"'):
                fields[key] += line[1:-1]
            else:
                key, _, rest = line.partition(" ")
                fields[key] = rest[1:-1]
        msgid = fields.get("msgid", "")
        if msgid:
            strs = [v for k, v in fields.items() if k.startswith("msgstr")]
            entries.append((msgid, strs, flags))
    return entries


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    if not shutil.which("xgettext"):
        pytest.skip("gettext (xgettext) is not installed; .ci/run installs it")
    scratch = tmp_path_factory.mktemp("i18n")
    for name in COPY:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, scratch / name, ignore=SKIP)
        elif src.exists():
            shutil.copy2(src, scratch / name)
    (scratch / "locale" / "en" / "LC_MESSAGES").mkdir(parents=True)
    for domain in ("django.po", "djangojs.po"):
        src = ROOT / "locale" / "en" / "LC_MESSAGES" / domain
        if src.exists():
            shutil.copy2(src, scratch / "locale" / "en" / "LC_MESSAGES" / domain)
    code = (
        "import sys, django; from django.conf import settings; from django.core.management import call_command;"
        "django.setup(); settings.LOCALE_PATHS=[sys.argv[1] + '/locale'];"
        "call_command('makemessages', locale=['en'], no_obsolete=True, verbosity=0, domain=sys.argv[2])"
    )
    for domain in ("django", "djangojs"):
        subprocess.run([sys.executable, "-c", code, str(scratch), domain], cwd=scratch, check=True)
    return scratch / "locale" / "en" / "LC_MESSAGES"


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_every_string_has_an_english_translation(regenerated, domain):
    po = regenerated / f"{domain}.po"
    if not po.exists():  # no string in that domain at all
        return
    entries = _entries(po)
    untranslated = [msgid for msgid, strs, _flags in entries if not all(strs)]
    fuzzy = [msgid for msgid, _strs, flags in entries if "fuzzy" in flags]
    assert untranslated == [], f"{len(untranslated)} strings have no English translation"
    assert fuzzy == [], f"{len(fuzzy)} fuzzy entries: translate them or clear the flag"


# Official documents keep their language whatever the interface language: they are rendered in
# Chinese (translation.override) and may hold Chinese text directly.
OFFICIAL_DOCUMENTS = {
    "templates/ratings/awards/certificate_pdf.html",
    "templates/ratings/dashboard/report_pdf.html",
    "templates/ratings/promotion/pack_pdf.html",
}
CJK = re.compile(r"[\u4e00-\u9fff]")
MARKED = re.compile(
    r"\{%\s*translate\s+(\"[^\"]*\"|'[^']*').*?%\}"
    r"|\{%\s*blocktranslate.*?%\}.*?\{%\s*endblocktranslate\s*%\}"
    r"|\{#.*?#\}|\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}"
    r"|\{\{.*?\}\}"
    r"|_\(\"[^\"]*\"\)|_\('[^']*'\)",
    re.S,
)


def test_templates_hold_no_chinese_outside_translation_tags():
    """A Chinese word typed straight into a template would stay Chinese on the English pages."""
    found = []
    for path in sorted((ROOT / "templates").rglob("*.*")):
        rel = path.relative_to(ROOT).as_posix()
        if rel in OFFICIAL_DOCUMENTS or path.suffix not in {".html", ".txt", ".xml"}:
            continue
        for line in MARKED.sub("", path.read_text(encoding="utf-8")).splitlines():
            if CJK.search(line):
                found.append(f"{rel}: {line.strip()[:80]}")
    assert found == []


def test_the_official_documents_exist():
    for rel in OFFICIAL_DOCUMENTS:
        assert (ROOT / rel).exists(), rel
