"""Excel (XLSX) templates, imports and exports for projects and monthly reports.

One module for every spreadsheet the park offices exchange, used by the web pages, the Celery
import task and (through the functions named in ``__all__``) the API:

- ``template_workbook(kind, ...)``: the template with Chinese headers;
- ``check_upload(file)``: refuses a file that is too big, is not an XLSX, or is a zip bomb,
  before openpyxl sees it;
- ``run_import(user=, kind=, path=, commit=)``: parse → validate every row → (commit) write all
  rows in one transaction, or nothing. The dry run is the same call with ``commit=False``.

This module only reads the cells (with the one period and amount parsers of ``common``); the
checks and the writes are the services' bulk functions, the same the API and the monthly grid
use: ``projects.services.projects_create_bulk`` (project_create for many rows) and
``projects.services.report_file``. Both are set-based: every job costs a constant number of
statements whatever the number of rows, and write with ``bulk_create_with_history`` so the
change history stays complete."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common import dates, money, periods
from common.exceptions import Conflict
from common.spreadsheets import safe_row
from parks import access
from parks.models import Industry, Park

from . import services
from .models import InvestmentReport, Level, Project, Stage
from .selectors import projects_writable_by

__all__ = [
    "KINDS",
    "ImportRefused",
    "ImportResult",
    "RowError",
    "check_upload",
    "count_rows",
    "run_import",
    "template_workbook",
]

# A real workbook compresses text about 5-20×; a ratio far beyond that is a zip bomb.
MAX_COMPRESSION_RATIO = 200
MAX_UNCOMPRESSED_FACTOR = 20  # total uncompressed size ≤ IMPORT_MAX_BYTES × this


def import_max_bytes() -> int:
    return int(getattr(settings, "IMPORT_MAX_BYTES", 10 * 1024 * 1024))


def import_max_rows() -> int:
    return int(getattr(settings, "IMPORT_MAX_ROWS", 20000))


def import_async_rows() -> int:
    """Files with more data rows than this are imported by a Celery task with a progress bar."""
    return int(getattr(settings, "IMPORT_ASYNC_ROWS", 500))


@dataclass(frozen=True)
class Column:
    key: str
    header: Any  # lazy Chinese header
    required: bool = False
    width: int = 16
    note: Any = ""


PROJECT_COLUMNS = [
    Column("code", gettext_lazy("项目代码"), width=28, note=gettext_lazy("24位投资项目统一代码，谋划阶段可空")),
    Column("name", gettext_lazy("项目名称"), True, 36),
    Column("owner", gettext_lazy("建设单位"), True, 30),
    Column("park", gettext_lazy("园区代码"), True, 14, gettext_lazy("园区代码或园区名称")),
    Column("industry", gettext_lazy("产业代码"), True, 14, gettext_lazy("产业代码或产业名称")),
    Column("level", gettext_lazy("项目级别"), True, 10, gettext_lazy("省重点 或 市重点")),
    Column("year", gettext_lazy("列入年度"), True, 10),
    Column("stage", gettext_lazy("建设阶段"), False, 10, gettext_lazy("谋划/签约/在建/竣工/投产/达效，空为谋划")),
    Column("total_investment", gettext_lazy("总投资（万元）"), True, 16),
    Column("target_date", gettext_lazy("目标日期"), False, 14, gettext_lazy("YYYY-MM-DD")),
    Column("leader", gettext_lazy("包联领导"), False, 12),
    Column("construction_content", gettext_lazy("建设内容"), False, 40),
]

REPORT_COLUMNS = [
    Column("project_id", gettext_lazy("项目ID"), False, 10, gettext_lazy("项目ID与项目代码至少填一个")),
    Column("code", gettext_lazy("项目代码"), False, 28),
    Column("name", gettext_lazy("项目名称"), False, 36, gettext_lazy("仅供核对，不导入")),
    Column("period", gettext_lazy("报告期"), True, 10, gettext_lazy("YYYY-MM")),
    Column("amount", gettext_lazy("当月完成投资（万元）"), True, 18),
    Column("progress", gettext_lazy("形象进度"), False, 40),
    Column("problems", gettext_lazy("存在问题"), False, 40),
]

KINDS = {"projects": PROJECT_COLUMNS, "reports": REPORT_COLUMNS}
KIND_LABELS = {"projects": gettext_lazy("重点项目"), "reports": gettext_lazy("月度投资")}


class ImportRefused(Exception):
    """The whole file is refused (not a row): wrong type, too big, missing headers…"""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class RowError:
    row: int  # the Excel row number (the header is row 1)
    field: str  # the column header, or "" for the whole row
    message: str


@dataclass
class ImportResult:
    kind: str
    total_rows: int = 0
    valid_rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    created: int = 0
    committed: bool = False
    update_existing: bool = False
    # Every row the import writes (or, with update_existing, finds unchanged), see `preview_row`.
    preview: list[dict] = field(default_factory=list)
    updated: int = 0
    unchanged: int = 0
    # Monthly reports: rows left blank (no amount, progress nor problems) are skipped, as in the
    # monthly grid; `total_rows` counts the others.
    skipped: int = 0

    @property
    def nothing_to_write(self) -> bool:
        """Every row matches a stored project as it is: importing would change nothing."""
        return bool(self.preview) and all(p["action"] == services.UNCHANGED for p in self.preview)

    def as_dict(self) -> dict:
        data = asdict(self)
        data["errors"] = [asdict(e) for e in self.errors]
        data["nothing_to_write"] = self.nothing_to_write
        return data


# --- The upload itself ----------------------------------------------------------------------


def check_upload(fileobj, *, name: str = "") -> None:
    """Refuse what openpyxl should never be asked to open. Reads only the zip directory."""
    size = getattr(fileobj, "size", None)
    if size is None:
        fileobj.seek(0, io.SEEK_END)
        size = fileobj.tell()
    fileobj.seek(0)
    limit = import_max_bytes()
    if size > limit:
        raise ImportRefused(
            _("文件过大（%(size).1f MB），上限为 %(limit).1f MB。") % {"size": size / 1048576, "limit": limit / 1048576}
        )
    if size == 0:
        raise ImportRefused(_("文件为空。"))
    if name and not name.lower().endswith(".xlsx"):
        raise ImportRefused(_("只接受 Excel 2007 及以上版本的 .xlsx 文件；请用模板填写后另存为 .xlsx。"))
    head = fileobj.read(4)
    fileobj.seek(0)
    if head != b"PK\x03\x04":
        raise ImportRefused(_("文件不是有效的 .xlsx 文件；请下载模板填写后上传。"))
    try:
        with zipfile.ZipFile(fileobj) as zf:
            members = zf.infolist()
            names = {m.filename for m in members}
            if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
                raise ImportRefused(_("文件不是有效的 .xlsx 文件；请下载模板填写后上传。"))
            total = 0
            for m in members:
                total += m.file_size
                if m.file_size > 1024 * 1024 and m.file_size > MAX_COMPRESSION_RATIO * max(m.compress_size, 1):
                    raise ImportRefused(_("文件压缩比异常（疑似压缩炸弹），已拒绝。"))
            if total > limit * MAX_UNCOMPRESSED_FACTOR:
                raise ImportRefused(_("文件解压后过大（%(size)d MB），已拒绝。") % {"size": total // 1048576})
    except zipfile.BadZipFile:
        raise ImportRefused(_("文件已损坏或不是有效的 .xlsx 文件。"))
    finally:
        fileobj.seek(0)


def _open_sheet(path):
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a broken file
        raise ImportRefused(_("无法读取该 Excel 文件；请下载模板填写后上传。"))
    return wb, wb.worksheets[0]


def count_rows(path) -> int:
    """Data rows (without the header) as the sheet declares them; cheap, no cell parsing."""
    wb, ws = _open_sheet(path)
    try:
        rows = ws.max_row
        if rows is None:
            rows = sum(1 for _row in ws.iter_rows(values_only=True))
        return max(rows - 1, 0)
    finally:
        wb.close()


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def read_rows(path, kind: str) -> list[tuple[int, dict[str, Any]]]:
    """The data rows as (excel_row_number, {column key: raw value}); blank rows are skipped."""
    columns = KINDS[kind]
    wb, ws = _open_sheet(path)
    try:
        rows = ws.iter_rows(values_only=True)
        header = next(rows, None)
        if not header:
            raise ImportRefused(_("表格为空：第1行应为列标题。"))
        # A template made in one language may be filled in by someone using another.
        labels = {_header_key(label): c for c in columns for label in _in_every_language(c.header)}
        positions: dict[str, int] = {}
        for i, cell in enumerate(header):
            text = _header_key(cell) if cell is not None else ""
            if text in labels:
                positions[labels[text].key] = i
        missing = [str(c.header) for c in columns if c.required and c.key not in positions]
        if missing:
            raise ImportRefused(_("第1行缺少必需的列：%(cols)s。请使用下载的模板。") % {"cols": "、".join(missing)})
        if kind == "reports" and "project_id" not in positions and "code" not in positions:
            raise ImportRefused(_("第1行缺少“项目ID”或“项目代码”列。请使用下载的模板。"))
        max_rows = import_max_rows()
        out: list[tuple[int, dict[str, Any]]] = []
        for number, values in enumerate(rows, start=2):
            if number - 1 > max_rows:
                raise ImportRefused(_("行数超过上限 %(max)d 行，请分批导入。") % {"max": max_rows})
            record = {key: (values[pos] if pos < len(values) else None) for key, pos in positions.items()}
            if all(_blank(v) for v in record.values()):
                continue
            out.append((number, record))
        return out
    finally:
        wb.close()


# --- Cell parsing: strict, never silently rounding --------------------------------------------


def parse_amount(value) -> Decimal:
    """An amount cell, by the one amount rule (common.money)."""
    try:
        return money.parse_amount(value, cell=True)
    except money.AmountError as exc:
        raise ValueError(exc.message) from None


def parse_date(value) -> dt.date:
    """A date cell (a date, or text 2026-05-31, 2026/05/31, 2026.05.31) by the one date rule
    (common.dates: inside the date range)."""
    try:
        return dates.parse_date(value if isinstance(value, dt.date | str) else str(value), cell=True)
    except dates.DateError as exc:
        if exc.code == "range":
            raise ValueError(_("“%(value)s”：%(message)s") % {"value": value, "message": exc.message}) from None
        raise ValueError(_("“%(value)s”不是有效日期，应为 YYYY-MM-DD。") % {"value": value}) from None


def parse_period(value) -> dt.date:
    """A period cell (a date, or text such as 2026-03, 2026/3, 2026年3月), by common.periods."""
    return periods.parse_period(value, cell=True)


def parse_int(value) -> int:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    try:
        return int(str(value).strip())
    except ValueError:
        raise ValueError(_("“%(value)s”不是整数。") % {"value": value}) from None


# The largest id the database can hold (a signed 64-bit integer).
MAX_ID = 2**63 - 1


def parse_id(value) -> int:
    """A project id cell: a whole number the database can look up (10^30 is a row error)."""
    number = parse_int(value)
    if not 0 < number <= MAX_ID:
        raise ValueError(_("项目ID %(value)s 不是有效的项目ID。") % {"value": _text(value)})
    return number


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _in_every_language(text) -> list[str]:
    """A lazy label rendered in each language the site offers."""
    out = []
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            out.append(str(text))
    return out


def _header_key(value) -> str:
    """Column headers compare without the required-marker and with ASCII/full-width parentheses
    treated alike."""
    text = str(value).strip().rstrip("*").strip()
    return text.replace("(", "（").replace(")", "）").casefold()


def _choice(value, choices) -> str:
    text = _text(value)
    for code, label in choices:
        if text == code or text in _in_every_language(label):
            return code
    raise ValueError(
        _("“%(value)s”不是有效选项，可选：%(options)s。")
        % {"value": text, "options": "、".join(str(lb) for _c, lb in choices)}
    )


# --- Validation -----------------------------------------------------------------------------

ProgressFn = Callable[[int, int], None]


def _progress_every(total: int) -> int:
    return max(total // 20, 50)


def _header(columns, key) -> str:
    for c in columns:
        if c.key == key:
            return str(c.header)
    return ""


def _refused(columns, refused: services.RowsRefused) -> list[RowError]:
    return [
        RowError(r.ref, _header(columns, "project_id" if key == "project" else key), message)
        for r in refused.rows
        for key, messages in r.errors.items()
        for message in messages
    ]


def _sorted(errors: list[RowError]) -> list[RowError]:
    return sorted(errors, key=lambda e: e.row)


def _project_cell(key: str, value, lookups: dict):
    """One cell of a project row → its value; ValueError with the message."""
    if key in ("park", "industry"):
        found = lookups[key].get(_text(value))
        if found is None:
            message = _("园区“%(value)s”不存在。") if key == "park" else _("产业“%(value)s”不存在。")
            raise ValueError(message % {"value": _text(value)})
        return found
    parsers = {
        "level": lambda v: _choice(v, Level.choices),
        "stage": lambda v: _choice(v, Stage.choices),
        "year": parse_int,
        "total_investment": parse_amount,
        "target_date": parse_date,
    }
    return parsers.get(key, _text)(value)


def _row_cells(columns, number: int, raw: dict, parse) -> tuple[dict[str, Any], list[RowError]]:
    """Parse a row's cells with `parse(key, value)`: (values, errors); blank required cells are errors."""
    data: dict[str, Any] = {}
    errors: list[RowError] = []
    for column in columns:
        value = raw.get(column.key)
        if _blank(value):
            if column.required:
                errors.append(RowError(number, str(column.header), _("必填。")))
            continue
        try:
            data[column.key] = parse(column.key, value)
        except ValueError as exc:
            errors.append(RowError(number, str(column.header), str(exc)))
    return data, errors


def _shown(value) -> str:
    """A cell value as the preview shows it (a park or industry by name, a choice by label)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


PROJECT_LABELS = {"level": Level, "stage": Stage}


def _project_value(key: str, value) -> str:
    if key in PROJECT_LABELS and value:
        return str(PROJECT_LABELS[key](value).label)
    return _shown(value)


def preview_row(plan: services.RowPlan, data: dict[str, Any]) -> dict:
    """One row of the dry run's preview (JSON for the job's state): what it creates (the values),
    updates (each changed field, old → new) or finds unchanged."""
    row = {"row": plan.ref, "action": plan.action, "name": plan.project.name, "project_id": plan.project.pk}
    if plan.action == services.CREATE:
        row["values"] = [[_header(PROJECT_COLUMNS, k), _project_value(k, v)] for k, v in data.items()]
    else:
        row["changes"] = [
            [_header(PROJECT_COLUMNS, k), _project_value(k, old), _project_value(k, new)]
            for k, (old, new) in plan.changes.items()
        ]
    return row


def validate_projects(
    *,
    user,
    rows: list[tuple[int, dict]],
    progress: ProgressFn | None = None,
    commit: bool = False,
    update_existing: bool = False,
) -> tuple[list[dict], list[RowError]]:
    """Parse the project rows, then validate (and with `commit` write) them all through
    projects.services.projects_save_bulk: new rows by projects_create_bulk, the bulk form of
    project_create; with `update_existing` the rows naming a stored project by project_update.
    Returns the preview of every row (`preview_row`) and the errors."""
    parks = list(Park.objects.all())
    industries = list(Industry.objects.all())
    lookups = {
        "park": {p.code: p for p in parks} | {p.name: p for p in parks},
        "industry": {i.code: i for i in industries} | {i.name: i for i in industries},
    }
    errors: list[RowError] = []
    parsed: list[tuple[int, dict]] = []
    every = _progress_every(len(rows))
    for done, (number, raw) in enumerate(rows, start=1):
        data, row_errors = _row_cells(PROJECT_COLUMNS, number, raw, lambda k, v: _project_cell(k, v, lookups))
        errors.extend(row_errors)
        if not row_errors:
            parsed.append((number, data))
        if progress and done % every == 0:
            progress(done, len(rows))
    try:
        plans = services.projects_save_bulk(
            user=user, rows=parsed, update_existing=update_existing, commit=commit and not errors
        )
    except services.RowsRefused as refused:
        return [], _sorted(errors + _refused(PROJECT_COLUMNS, refused))
    data = dict(parsed)
    return [preview_row(plan, data[plan.ref]) for plan in plans], errors


def _report_projects(user, rows) -> tuple[dict[int, Project], dict[str, Project]]:
    """The rows' projects by id and by code among those the user may write (two queries)."""
    ids: set[int] = set()
    codes: set[str] = set()
    for _n, raw in rows:
        if not _blank(raw.get("project_id")):
            with contextlib.suppress(ValueError):
                ids.add(parse_id(raw["project_id"]))
        if _text(raw.get("code")):
            codes.add(_text(raw.get("code")))
    writable = projects_writable_by(user)
    found = list(writable.filter(pk__in=ids)) + list(writable.filter(code__in=codes).exclude(pk__in=ids))
    return {p.pk: p for p in found}, {p.code: p for p in found if p.code}


def _report_project(raw: dict, by_id: dict, by_code: dict) -> Project:
    """The project a report row names (by ID, else by code); ValueError(key, message) if none."""
    if not _blank(raw.get("project_id")):
        try:
            project = by_id.get(parse_id(raw["project_id"]))
        except ValueError as exc:
            raise ValueError("project_id", str(exc)) from None
        if project is None:
            message = _("项目ID %(value)s 不存在或不在您的管理范围内。") % {"value": _text(raw["project_id"])}
            raise ValueError("project_id", message)
        return project
    if _text(raw.get("code")):
        project = by_code.get(_text(raw["code"]))
        if project is None:
            message = _("项目代码 %(value)s 不存在或不在您的管理范围内。") % {"value": _text(raw["code"])}
            raise ValueError("code", message)
        return project
    raise ValueError("project_id", _("请填写项目ID或项目代码。"))


def skip_blank_report_rows(rows: list[tuple[int, dict]]) -> tuple[list[tuple[int, dict]], int]:
    """(the rows to import, how many were skipped): a report row whose amount, progress and
    problems are all blank is not reported, as a row left blank in the monthly grid (the
    template lists every project expected to report, so unreported ones come back blank). A
    blank amount with a progress note or problems is still an error (the required amount)."""
    kept = [
        (number, raw)
        for number, raw in rows
        if not all(_blank(raw.get(key)) for key in ("amount", "progress", "problems"))
    ]
    return kept, len(rows) - len(kept)


REPORT_PARSERS = {"period": parse_period, "amount": parse_amount, "progress": _text, "problems": _text}


def validate_reports(
    *, user, rows: list[tuple[int, dict]], progress: ProgressFn | None = None, commit: bool = False
) -> tuple[list[InvestmentReport], list[RowError]]:
    """Parse the report rows, then validate (and with `commit` file) them all through
    projects.services.report_file, the same function as the API and the monthly grid."""
    by_id, by_code = _report_projects(user, rows)
    errors: list[RowError] = []
    lines: list[services.ReportRow] = []
    every = _progress_every(len(rows))
    cells = [c for c in REPORT_COLUMNS if c.key in REPORT_PARSERS]
    for done, (number, raw) in enumerate(rows, start=1):
        data, row_errors = _row_cells(cells, number, raw, lambda k, v: REPORT_PARSERS[k](v))
        try:
            project = _report_project(raw, by_id, by_code)
        except ValueError as exc:
            key, message = exc.args
            row_errors.insert(0, RowError(number, _header(REPORT_COLUMNS, key), message))
        errors.extend(row_errors)
        if not row_errors:
            lines.append(services.ReportRow(project=project, **data, ref=number))
        if progress and done % every == 0:
            progress(done, len(rows))
    try:
        services.report_file(user=user, rows=lines, commit=commit and not errors)
    except services.RowsRefused as refused:
        return [], _sorted(errors + _refused(REPORT_COLUMNS, refused))
    except ValidationError as exc:
        # A closed month (关账): the park admin's file is refused whole (409 in the API), the
        # commission's needs a correction reason, which a spreadsheet cannot give: the API or the
        # grid takes it. Any other ValidationError is the concurrent-filing one (run_import).
        closed = getattr(exc, "error_dict", {})
        if not (isinstance(exc, Conflict) or "correction_reason" in closed):
            raise
        return [], _sorted(errors + [RowError(0, _header(REPORT_COLUMNS, "period"), m) for m in exc.messages])
    return [_report_preview(line) for line in lines], errors


def _report_preview(line: services.ReportRow) -> dict:
    values = [("period", line.period.strftime("%Y-%m")), ("amount", line.amount)]
    values += [(key, getattr(line, key)) for key in ("progress", "problems") if getattr(line, key)]
    return {
        "row": line.ref,
        "action": services.CREATE,
        "name": line.project.name,
        "project_id": line.project.pk,
        "values": [[_header(REPORT_COLUMNS, key), _shown(value)] for key, value in values],
    }


def run_import(
    *,
    user,
    kind: str,
    path: str | Path,
    commit: bool,
    progress: ProgressFn | None = None,
    update_existing: bool = False,
) -> ImportResult:
    """Dry run (commit=False) or import (commit=True) of one file, all or nothing: with a
    single row in error nothing is written. A project row naming a stored project is an error,
    or with `update_existing` (projects only) an update of the fields that differ. The result
    previews every row. Raises ImportRefused for a file refused whole."""
    if kind not in KINDS:
        raise ImportRefused(_("未知的导入类型。"))
    if not access.can_write_anything(user):
        raise PermissionDenied(_("只读用户不能导入数据。"))
    rows = read_rows(path, kind)
    skipped = 0
    if kind == "reports":
        rows, skipped = skip_blank_report_rows(rows)
        if not rows and skipped:
            raise ImportRefused(
                _("共 %(n)d 行的当月完成投资均为空，没有可导入的月报（金额为空的行不报送）。") % {"n": skipped}
            )
    update_existing = update_existing and kind == "projects"
    result = ImportResult(kind=kind, total_rows=len(rows), update_existing=update_existing, skipped=skipped)
    if not rows:
        raise ImportRefused(_("表格中没有数据行。"))
    options = {"update_existing": update_existing} if kind == "projects" else {}
    validate = validate_projects if kind == "projects" else validate_reports
    try:
        with transaction.atomic():
            preview, result.errors = validate(user=user, rows=rows, progress=progress, commit=commit, **options)
    except (IntegrityError, ValidationError):
        # A concurrent import or form took a code or a report period in between.
        result.errors = [
            RowError(0, "", _("导入时数据已被他人修改（项目代码或报告期重复），未导入任何数据，请重新检查。"))
        ]
        return result
    result.preview = [] if result.errors else preview  # with an error nothing is written
    result.valid_rows = len(preview)
    actions = [row["action"] for row in result.preview]
    result.created = actions.count(services.CREATE)
    result.updated = actions.count(services.UPDATE)
    result.unchanged = actions.count(services.UNCHANGED)
    result.committed = commit and not result.errors
    if progress:
        progress(len(rows), len(rows))
    return result


# --- Workbooks ---------------------------------------------------------------------------------


def _styled_sheet(wb, title: str, columns: list[Column]):
    from openpyxl.styles import Alignment, Font, PatternFill

    ws = wb.active
    ws.title = title
    ws.append(safe_row([str(c.header) + ("*" if c.required else "") for c in columns]))
    for i, c in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=i)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(horizontal="center")
        ws.column_dimensions[cell.column_letter].width = c.width
    ws.freeze_panes = "A2"
    return ws


def template_workbook(kind: str, *, projects: Iterable[Project] = (), period: dt.date | None = None) -> bytes:
    """The import template: a header row (required columns marked *), a sheet of notes, and for
    monthly reports one prefilled row per project the user may report for."""
    import openpyxl

    columns = KINDS[kind]
    wb = openpyxl.Workbook()
    ws = _styled_sheet(wb, str(KIND_LABELS[kind]), columns)
    if kind == "reports":
        label = period.strftime("%Y-%m") if period else ""
        for p in projects:
            ws.append(safe_row([p.pk, p.code or "", p.name, label, None, "", ""]))
    notes = wb.create_sheet(_("填写说明"))
    notes.append(safe_row([_("列"), _("必填"), _("说明")]))
    for c in columns:
        notes.append(safe_row([c.header, _("是") if c.required else "", c.note]))
    notes.append([])
    notes.append(safe_row([_("金额单位为万元，最多两位小数；系统不会自动舍入。")]))
    notes.append(safe_row([_("导入时先试运行：任何一行有错误则全部不导入。")]))
    notes.column_dimensions["A"].width = 22
    notes.column_dimensions["C"].width = 50
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
