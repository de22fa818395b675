"""`?format=csv|xlsx` on every list: the same filters and scoping as the JSON list, every row
(no pagination), Chinese column headers (the serializer field labels, translated when English is
asked for), amounts exact.

CSV is UTF-8 with a BOM (so Excel opens Chinese text correctly); XLSX amounts are numeric cells
with the format 0.00 when the number survives a binary float exactly, else text, so nothing is
silently rounded. Cells that a spreadsheet would read as a formula (starting with = + - @, tab
or carriage return) are prefixed with a quote (CSV/formula injection)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.renderers import BaseRenderer, JSONRenderer

from common.spreadsheets import XLSX_CONTENT_TYPE as XLSX_MEDIA_TYPE
from common.spreadsheets import safe_text

EXPORT_FORMATS = ("csv", "xlsx")


@dataclass
class ExportTable:
    columns: list[tuple[str, str, bool]]  # (key, header, is_amount)
    rows: list[dict] = field(default_factory=list)
    title: str = "export"


def _plain(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, int | float | Decimal):
        return str(value)
    return safe_text(str(value))


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        buffer = io.StringIO()
        buffer.write("\ufeff")
        writer = csv.writer(buffer)
        writer.writerow([safe_text(header) for _key, header, _amount in data.columns])
        for row in data.rows:
            writer.writerow([_plain(row.get(key)) for key, _h, _a in data.columns])
        return buffer.getvalue().encode("utf-8")


def _xlsx_value(value, is_amount: bool):
    if value is None:
        return None, None
    if isinstance(value, bool):
        return (_("是") if value else _("否")), None
    if isinstance(value, int):
        return value, None
    if is_amount:
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            return safe_text(str(value)), None
        # A float cell is exact only if the decimal survives the round trip; otherwise keep text.
        if Decimal(repr(float(number))) == number:
            return number, "0.00"
        return str(value), None
    return safe_text(str(value)), None


class XLSXRenderer(BaseRenderer):
    media_type = XLSX_MEDIA_TYPE
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(title=str(data.title)[:31] or "export")
        bold = Font(bold=True)
        header = []
        for _key, title, _amount in data.columns:
            cell = WriteOnlyCell(sheet, value=safe_text(str(title)))
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        for row in data.rows:
            cells = []
            for key, _title, is_amount in data.columns:
                value, number_format = _xlsx_value(row.get(key), is_amount)
                cell = WriteOnlyCell(sheet, value=value)
                if number_format:
                    cell.number_format = number_format
                cells.append(cell)
            sheet.append(cells)
        out = io.BytesIO()
        workbook.save(out)
        return out.getvalue()


def export_columns(serializer: serializers.BaseSerializer) -> list[tuple[str, str, bool]]:
    """Flat, readable fields of a serializer → (key, Chinese header, is_amount)."""
    columns = []
    for name, f in serializer.fields.items():
        if f.write_only or isinstance(
            f, serializers.BaseSerializer | serializers.ListField | serializers.DictField | serializers.JSONField
        ):
            continue
        if getattr(f, "export", True) is False:
            continue
        columns.append((name, str(f.label or name), isinstance(f, serializers.DecimalField)))
    return columns


class ExportMixin:
    """Add to a list view: `?format=csv` or `?format=xlsx` answers a file of every filtered row.

    `export_name` names the file and the sheet. An error (bad filter, 403…) is answered in JSON
    whatever format was asked for."""

    export_name = "export"

    def get_renderers(self):
        return [*super().get_renderers(), CSVRenderer(), XLSXRenderer()]

    def is_export(self) -> bool:
        renderer = getattr(self.request, "accepted_renderer", None)
        return getattr(renderer, "format", None) in EXPORT_FORMATS

    def export_response(self, queryset):
        from rest_framework.response import Response

        serializer = self.get_serializer(queryset, many=True)
        rows = serializer.data
        child = serializer.child if hasattr(serializer, "child") else serializer
        table = ExportTable(columns=export_columns(child), rows=list(rows), title=self.export_name)
        fmt = self.request.accepted_renderer.format
        stamp = timezone.localdate().strftime("%Y%m%d")
        response = Response(table)
        response["Content-Disposition"] = f'attachment; filename="{self.export_name}-{stamp}.{fmt}"'
        return response

    def list(self, request, *args, **kwargs):
        if self.is_export():
            return self.export_response(self.filter_queryset(self.get_queryset()))
        return super().list(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        if self.is_export() and not isinstance(getattr(response, "data", None), ExportTable):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = "application/json"
        return super().finalize_response(request, response, *args, **kwargs)
