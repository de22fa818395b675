"""Errors shared by services, forms and the API."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class Conflict(ValidationError):
    """The request is valid but the object's state refuses it (a stale version, a report step
    its status does not allow, a closed month): the API answers 409 with {field: [message]},
    a page shows the message; nothing was stored."""

    def __init__(self, field: str, message, code: str = "conflict"):
        super().__init__({field: [message]}, code=code)


class VersionConflict(Conflict):
    """Raised when an edit was based on a version someone else has since replaced."""

    def __init__(self, message=None):
        super().__init__(
            "version",
            message or _("该项目已被他人修改，您的修改未保存。请刷新后对照最新内容重新修改。"),
            code="version_conflict",
        )
