"""The API's JSON parser: DRF's, with a body size and a nesting depth limit checked before the
body is decoded, so a hostile body is a clear 400 rather than a RecursionError (a 500: the
stdlib decoder recurses once per level) or an unbounded read.

- Size: at most `API_JSON_MAX_BYTES` (10 MiB) are read; a longer body is refused unread.
- Depth: at most `API_JSON_MAX_DEPTH` (32) nested arrays/objects, counted by `json_depth_exceeds`
  without recursion (brackets inside strings are text).
"""

from __future__ import annotations

import re
from itertools import accumulate

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils import json

_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_DEPTH_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def json_depth_exceeds(text: str, limit: int) -> bool:
    """Whether the arrays and objects of `text` nest more than `limit` deep.

    No recursion and no per-character Python loop over text: drop the escaped backslashes and
    quotes (left to right, as JSON reads them), keep what lies outside strings (every other
    piece between quotes), keep only its brackets, and take the highest running depth. Linear in
    the body's length, also for bodies made to be slow (a 10 MiB run of escapes, of brackets).
    For a malformed body the running depth is exact up to the first error, which is as far as
    the decoder goes, so the decoder never recurses deeper than `limit` either."""
    unescaped = text.replace("\\\\", "").replace('\\"', "")
    outside = "".join(unescaped.split('"')[0::2])
    brackets = _NOT_BRACKET.sub("", outside)
    return max(accumulate(map(_DEPTH_STEP.__getitem__, brackets)), default=0) > limit


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
