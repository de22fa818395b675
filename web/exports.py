"""Spreadsheets only the web pages write: the project list as filtered on the page.

The list export is streamed: `stream_xlsx` writes a minimal Office Open XML workbook (one sheet,
inline strings, no shared-string table) straight into a ZIP that is handed out chunk by chunk, so
the first bytes leave before the last row is read and memory does not grow with the rows. Every
text cell passes through common.spreadsheets.safe_text (formula injection, illegal characters);
amounts are written as the Decimal's own digits (never through a float)."""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Iterable, Iterator
from decimal import Decimal
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _

from common.spreadsheets import safe_text

ROWS_PER_CHUNK = 500
EPOCH = dt.date(1899, 12, 30)  # Excel's day 0 (the 1900 system, past its 1900-02-29)

# Style indexes of STYLES_XML's cellXfs: 0 general, 1 date, 2 amount with two decimals.
DATE_STYLE, AMOUNT_STYLE = 1, 2

CONTENT_TYPES_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)
ROOT_RELS_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/>'
    "</Relationships>"
)
WORKBOOK_RELS_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
    'Target="styles.xml"/>'
    "</Relationships>"
)
STYLES_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts>'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="2" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
SHEET_TAIL = "</sheetData></worksheet>"


def _workbook_xml(title: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f'<sheets><sheet name="{escape(title[:31], {chr(34): "&quot;"})}" sheetId="1" r:id="rId1"/></sheets>'
        "</workbook>"
    )


def _column(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _text_cell(ref: str, value: str) -> str:
    value = safe_text(value)
    if not value:
        return ""
    if "&" in value or "<" in value or ">" in value:
        value = escape(value)
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{value}</t></is></c>'


def _cell(ref: str, value) -> str:
    """One <c> element; None (and empty text) is no cell. Text goes through safe_text first."""
    kind = type(value)
    if kind is str:
        return _text_cell(ref, value)
    if value is None:
        return ""
    if kind is int:
        return f'<c r="{ref}"><v>{value}</v></c>'
    if kind is Decimal:
        return f'<c r="{ref}" s="{AMOUNT_STYLE}"><v>{value:f}</v></c>'
    if kind is dt.date:
        return f'<c r="{ref}" s="{DATE_STYLE}"><v>{(value - EPOCH).days}</v></c>'
    if isinstance(value, bool):
        return _text_cell(ref, _("是") if value else _("否"))
    if isinstance(value, dt.datetime):
        return _cell(ref, value.date())
    return _text_cell(ref, str(value))


class _Sink:
    """A write-only, unseekable file for zipfile: what is written is taken out by `take()`."""

    def __init__(self):
        self.chunks: list[bytes] = []
        self.position = 0

    def write(self, data) -> int:
        self.chunks.append(bytes(data))
        self.position += len(data)
        return len(data)

    def tell(self) -> int:
        return self.position

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self.chunks)
        self.chunks.clear()
        return data


def stream_xlsx(title: str, headers: list, rows: Iterable[list]) -> Iterator[bytes]:
    """An XLSX workbook of one sheet, yielded in pieces: the header row, then the rows (lists of
    cell values) ROWS_PER_CHUNK at a time. Reading `rows` lazily keeps memory flat."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES_XML)
        archive.writestr("_rels/.rels", ROOT_RELS_XML)
        archive.writestr("xl/workbook.xml", _workbook_xml(title))
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS_XML)
        archive.writestr("xl/styles.xml", STYLES_XML)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            columns = [_column(i) for i in range(len(headers))]
            head = "".join(_cell(f"{c}1", h) for c, h in zip(columns, headers, strict=True))
            sheet.write(f'{SHEET_HEAD}<row r="1">{head}</row>'.encode())
            yield sink.take()
            number, pending = 1, []
            for row in rows:
                number += 1
                cells = "".join(_cell(f"{c}{number}", v) for c, v in zip(columns, row, strict=True))
                pending.append(f'<row r="{number}">{cells}</row>')
                if len(pending) >= ROWS_PER_CHUNK:
                    sheet.write("".join(pending).encode())
                    pending.clear()
                    yield sink.take()
            sheet.write(("".join(pending) + SHEET_TAIL).encode())
    yield sink.take()


def project_headers() -> list[str]:
    return [
        _("项目ID"),
        _("项目代码"),
        _("项目名称"),
        _("建设单位"),
        _("所在园区"),
        _("所属产业"),
        _("项目级别"),
        _("列入年度"),
        _("建设阶段"),
        _("总投资（万元）"),
        _("节点状态"),
        _("下一节点"),
        _("计划日期"),
        _("倒计时（天）"),
    ]


def project_cells(r: dict, *, today: dt.date) -> list:
    """One exported row from a dict of the list queryset (`.values()`-like, labels resolved)."""
    next_date = r.get("next_date")
    return [
        r["id"],
        r["code"] or "",
        r["name"],
        r["owner"],
        r["park_name"],
        r["industry_name"],
        r["level_label"],
        r["year"],
        r["stage_label"],
        r["total_investment"],
        r["status_label"],
        r["next_label"] or "",
        next_date,
        (next_date - today).days if next_date else None,
    ]


def projects_stream(rows: Iterable[dict], *, today: dt.date) -> Iterator[bytes]:
    """The project list as filtered on the page, streamed; `rows` are dicts from the list
    queryset, read lazily (an iterator), so writing costs no further query."""
    return stream_xlsx(_("重点项目"), project_headers(), (project_cells(r, today=today) for r in rows))


def projects_workbook(rows: Iterable[dict], *, today: dt.date) -> bytes:
    """The same workbook in one piece."""
    return b"".join(projects_stream(rows, today=today))
