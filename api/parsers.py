"""The API's JSON parser: DRF's, with a body size and a nesting depth limit checked before the
body is decoded, so a hostile body is a clear 400 rather than a RecursionError (a 500: the
stdlib decoder recurses once per level) or an unbounded read.

- Size: at most `API_JSON_MAX_BYTES` (10 MiB) are read; a longer body is refused unread.
- Depth: at most `API_JSON_MAX_DEPTH` (32) nested arrays/objects, counted by `json_depth_exceeds`
  in one iterative pass (brackets inside strings are text), never by recursion.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils import json

# A JSON string (with its escapes) or one bracket; strings are matched whole so their content
# never counts as nesting.
_STRING_OR_BRACKET = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[{]|[\]}]', re.DOTALL)


def json_depth_exceeds(text: str, limit: int) -> bool:
    """Whether the arrays and objects of `text` nest more than `limit` deep (no recursion)."""
    depth = 0
    for match in _STRING_OR_BRACKET.finditer(text):
        char = match.group()[0]
        if char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        max_bytes, max_depth = settings.API_JSON_MAX_BYTES, settings.API_JSON_MAX_DEPTH
        raw = stream.read(max_bytes + 1) if stream is not None else b""
        if len(raw) > max_bytes:
            raise ParseError(_("JSON 请求体超过 %(limit)d 字节，请求未处理。") % {"limit": max_bytes})
        try:
            text = raw.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            raise ParseError(_("JSON 请求体的字符编码无效，请使用 UTF-8。")) from None
        if json_depth_exceeds(text, max_depth):
            raise ParseError(_("JSON 嵌套层数超过 %(limit)d 层，请求未处理。") % {"limit": max_depth})
        try:
            return json.loads(text, parse_constant=json.strict_constant if self.strict else None)
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
