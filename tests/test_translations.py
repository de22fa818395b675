"""The English translation (locale/en) is complete, compiled, and actually used.

Source strings are Chinese; English lives in locale/en/LC_MESSAGES/django.po. These tests read the
.po file directly (a small parser, no polib) so that an untranslated or fuzzy entry, a broken
placeholder or a stale .mo fails the build instead of showing Chinese in the English UI.
"""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

LC_MESSAGES = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
PO_FILES = sorted(LC_MESSAGES.glob("*.po"))

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "a": "\a", "b": "\b", "f": "\f", "v": "\v"}
_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+"(.*)"$')
# %(name)s / %(n).1f / %d / %s / %% (python-format) and {name} (python-brace-format).
_PLACEHOLDER = re.compile(r"%\([^)]+\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|%%|%[sdif]|\{[A-Za-z_0-9]*\}")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), text)


def parse_po(path: Path) -> list[dict]:
    """Entries of a .po file: {"ctx", "id", "plural", "strs" {index: text}, "flags", "line"}.

    Obsolete entries (#~) are skipped; "strs" has key 0 for a singular msgstr.
    """
    entries: list[dict] = []
    entry: dict | None = None
    field: tuple | None = None

    def start(line_no: int) -> dict:
        return {"ctx": None, "id": None, "plural": None, "strs": {}, "flags": set(), "line": line_no}

    for line_no, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            if entry is not None and entry["id"] is not None:
                entries.append(entry)
            entry, field = None, None
            continue
        if entry is None:
            entry = start(line_no)
        if line.startswith("#,"):
            entry["flags"].update(flag.strip() for flag in line[2:].split(",") if flag.strip())
            continue
        if line.startswith("#"):
            continue
        match = _KEYWORD.match(line)
        if match:
            keyword, index, value = match.groups()
            value = _unescape(value)
            if keyword == "msgctxt":
                field = ("ctx",)
                entry["ctx"] = value
            elif keyword == "msgid":
                field = ("id",)
                entry["id"] = value
            elif keyword == "msgid_plural":
                field = ("plural",)
                entry["plural"] = value
            else:
                key = int(index) if index is not None else 0
                field = ("strs", key)
                entry["strs"][key] = value
            continue
        assert line.startswith('"') and line.endswith('"'), f"{path.name}:{line_no}: unexpected line {raw!r}"
        value = _unescape(line[1:-1])
        if field[0] == "strs":
            entry["strs"][field[1]] += value
        else:
            entry[field[0]] += value
    if entry is not None and entry["id"] is not None:
        entries.append(entry)
    return entries


def _messages(path: Path) -> list[dict]:
    """The translatable entries (everything but the header)."""
    return [e for e in parse_po(path) if e["id"] != ""]


def _where(path: Path, entry: dict) -> str:
    return f"{path.name}:{entry['line']}: {entry['id']!r}"


def test_english_catalogue_exists_and_is_not_trivial():
    assert [p.name for p in PO_FILES][:1] == ["django.po"]
    assert len(_messages(LC_MESSAGES / "django.po")) > 300


@pytest.mark.parametrize("po", PO_FILES, ids=lambda p: p.name)
def test_every_entry_is_translated_and_none_is_fuzzy(po):
    problems = []
    for entry in parse_po(po):
        if "fuzzy" in entry["flags"]:
            problems.append("fuzzy " + _where(po, entry))
        if entry["id"] == "":
            continue
        expected = {0, 1} if entry["plural"] is not None else {0}
        if set(entry["strs"]) != expected or not all(s.strip() for s in entry["strs"].values()):
            problems.append("untranslated " + _where(po, entry))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("po", PO_FILES, ids=lambda p: p.name)
def test_translations_are_english_and_keep_every_placeholder(po):
    problems = []
    for entry in _messages(po):
        for index, text in entry["strs"].items():
            source = entry["plural"] if index > 0 and entry["plural"] is not None else entry["id"]
            if sorted(_PLACEHOLDER.findall(text)) != sorted(_PLACEHOLDER.findall(source)):
                problems.append(f"placeholders differ {_where(po, entry)} -> {text!r}")
            if _CJK.search(text):
                problems.append(f"Chinese left in {_where(po, entry)} -> {text!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("po", PO_FILES, ids=lambda p: p.name)
def test_compiled_mo_matches_the_po(po):
    """The .mo Django loads holds exactly what the .po says (run compilemessages after editing)."""
    mo = po.with_suffix(".mo")
    assert mo.exists(), f"{mo.name} is missing: run manage.py compilemessages -l en"
    with mo.open("rb") as handle:
        catalog = dict(gettext.GNUTranslations(handle)._catalog)
    catalog.pop("", None)  # the header

    expected = {}
    for entry in _messages(po):
        key = entry["id"] if entry["ctx"] is None else f"{entry['ctx']}\x04{entry['id']}"
        if entry["plural"] is None:
            expected[key] = entry["strs"][0]
        else:
            for index, text in entry["strs"].items():
                expected[(key, index)] = text
    assert catalog == expected, "the .mo is out of date: run manage.py compilemessages -l en"


def test_model_names_and_choices_in_english():
    from projects.models import Project
    from scheduling.models import Milestone

    with translation.override("en"):
        assert str(Project._meta.verbose_name) == "Key project"
        assert str(Project._meta.get_field("park").verbose_name) == "Park"
        assert str(Project._meta.get_field("total_investment").verbose_name) == "Total investment (10k yuan)"
        assert str(Milestone._meta.verbose_name) == "Milestone"
        assert translation.gettext("倒排工期模板") == "Backward schedule template"
        assert translation.gettext("形象进度") == "Progress note"
        assert translation.gettext("包联领导") == "Responsible leader"


@pytest.mark.django_db
def test_service_validation_messages_in_english():
    """project_archive is atomic, hence the database mark; nothing is written."""
    from projects import services

    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        services.normalize_period("2026/03")
    assert excinfo.value.message_dict["period"] == ["The reporting period must be in the format YYYY-MM, e.g. 2026-03."]

    class NotCommission:
        is_commission = False

    with translation.override("en"), pytest.raises(PermissionDenied) as denied:
        services.project_archive(user=NotCommission(), project=None)
    assert str(denied.value) == "Only the development and reform commission can archive projects."

    with translation.override("en"):
        message = translation.gettext(services.DUPLICATE_REPORT) % {"period": "2026-03"}
    assert message.startswith("The monthly report of this project for 2026-03 has already been submitted")


def test_plural_and_placeholder_messages_in_english():
    from web.templatetags.board import countdown_text

    with translation.override("en"):
        assert translation.ngettext("已归档 %(count)d 个项目。", "已归档 %(count)d 个项目。", 1) % {"count": 1} == (
            "Archived 1 project."
        )
        assert translation.ngettext("已归档 %(count)d 个项目。", "已归档 %(count)d 个项目。", 3) % {"count": 3} == (
            "Archived 3 projects."
        )
        assert countdown_text(-4, "Construction start") == "Construction start overdue by 4 days"
        assert countdown_text(-1, "Construction start") == "Construction start overdue by 1 day"
        assert countdown_text(1, "Signing") == "Signing in 1 day"
        assert countdown_text(30, "Signing") == "Signing in 30 days"
        # The monthly grid's deadline line (a blocktranslate count in report_grid.html).
        deadline = "距截止还有 %(days)s 天"
        assert translation.ngettext(deadline, deadline, 1) % {"days": 1} == "1 day until the deadline"
        assert translation.ngettext(deadline, deadline, 5) % {"days": 5} == "5 days until the deadline"
    with translation.override("zh-hans"):
        assert countdown_text(-4, "开工") == "开工已逾期 4 天"
        assert countdown_text(30, "签约") == "距签约还有 30 天"


def test_chinese_stays_chinese():
    from projects import services
    from projects.models import Project

    for language in ("zh-hans", settings.LANGUAGE_CODE):
        with translation.override(language):
            assert str(Project._meta.verbose_name) == "重点项目"
            assert translation.gettext("倒排工期模板") == "倒排工期模板"
            with pytest.raises(ValidationError) as excinfo:
                services.normalize_period("2026/03")
            assert excinfo.value.message_dict["period"] == ["报告期格式应为 YYYY-MM，如 2026-03。"]


def _template_reads_back(tmp_path, made_in: str, read_in: str) -> None:
    """A template downloaded in one language, filled in and uploaded by someone reading the
    site in another: every column of the template is recognised and its value read."""
    import openpyxl

    from projects import imports

    columns = imports.KINDS["projects"]
    with translation.override(made_in):
        data = imports.template_workbook("projects")
    path = tmp_path / f"template-{made_in}.xlsx"
    path.write_bytes(data)
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    assert ws.max_row == 1 and ws.max_column == len(columns)  # the header row, one cell a column
    ws.append([f"value-{c.key}" for c in columns])
    wb.save(path)
    with translation.override(read_in):
        rows = imports.read_rows(path, "projects")  # raises ImportRefused when a required header is not recognised
    assert rows == [(2, {c.key: f"value-{c.key}" for c in columns})]


def test_chinese_template_reads_back_in_chinese(tmp_path):
    _template_reads_back(tmp_path, "zh-hans", "zh-hans")


@pytest.mark.parametrize("made_in,read_in", [("en", "en"), ("zh-hans", "en"), ("en", "zh-hans")])
def test_template_reads_back_whatever_the_language(tmp_path, made_in, read_in):
    _template_reads_back(tmp_path, made_in, read_in)
