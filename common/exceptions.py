"""Errors shared by services, forms and the API."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class VersionConflict(ValidationError):
    """Raised when an edit was based on a version someone else has since replaced."""

    def __init__(self, message=None):
        super().__init__(
            {"version": [message or _("该项目已被他人修改，您的修改未保存。请刷新后对照最新内容重新修改。")]},
            code="version_conflict",
        )
