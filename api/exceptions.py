"""One exception handler for the whole API.

The services raise Django's exceptions; here they become the contract's answers:

- `django.core.exceptions.ValidationError` → 400 `{"field": ["message", …]}` (errors not tied to a
  field under `non_field_errors`).
- `common.exceptions.Conflict` → **409 Conflict** with `{"field": ["message"]}`, nothing stored:
  a stale `version` on PATCH/PUT (`VersionConflict`, `{"version": […]}`), a report step its status
  does not allow (`{"status": […]}`), a write into a closed month (`{"period": […]}`).
- `django.core.exceptions.PermissionDenied` → 403 `{"detail": "message"}`.
- `django.db.models.ProtectedError` (deleting a park or industry still in use) → 400
  `{"non_field_errors": ["message"]}`.
- `django.db.IntegrityError` (a unique constraint that a concurrent request won) → 400
  `{"non_field_errors": ["message"]}`, never a 500.
"""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.db.models import ProtectedError
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from common.exceptions import Conflict


class StructuredValidationError(exceptions.APIException):
    """A 400 whose body keeps its JSON types (DRF's ValidationError turns every leaf into a
    string); used by the bulk endpoint so a bad row's `index` and `project` stay numbers."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid"

    def __init__(self, detail: dict):
        super().__init__()
        self.detail = detail


def validation_error_detail(exc: DjangoValidationError) -> dict[str, list[str]]:
    """Django ValidationError → DRF's {"field": ["message"]} with non_field_errors."""
    if hasattr(exc, "error_dict"):
        detail: dict[str, list[str]] = {}
        for field, errors in exc.message_dict.items():
            key = api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field
            detail.setdefault(key, []).extend(str(e) for e in errors)
        return detail
    return {api_settings.NON_FIELD_ERRORS_KEY: [str(m) for m in exc.messages]}


def api_exception_handler(exc, context):
    if isinstance(exc, Conflict):
        return Response(validation_error_detail(exc), status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(validation_error_detail(exc))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, ProtectedError):
        exc = exceptions.ValidationError({api_settings.NON_FIELD_ERRORS_KEY: [_("该记录仍被其他数据引用，不能删除。")]})
    elif isinstance(exc, DataError):
        # A value the column can't hold that slipped past validation (e.g. a NUL byte): a bad
        # request, not a server error.
        exc = exceptions.ValidationError(
            {api_settings.NON_FIELD_ERRORS_KEY: [_("输入包含无法保存的字符或超出范围的数值。")]}
        )
    elif isinstance(exc, IntegrityError):
        exc = exceptions.ValidationError(
            {
                api_settings.NON_FIELD_ERRORS_KEY: [
                    _("数据与已有记录冲突（可能已被他人同时提交），未保存。请刷新后重试。")
                ]
            }
        )
    return drf_exception_handler(exc, context)
