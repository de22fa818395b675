"""The one rule for free text (project names, owners, contacts, milestone names, report progress
and problems, park and industry names): what every door — the API, the web forms and the monthly
grid, the Excel import — refuses, and the length limits.

The rule lives on the model fields (``TextRule`` as a validator, ``LONG_TEXT`` as the limit of
the long texts) so every door that validates a record inherits it; the API's fields
(``api.fields.CleanTextField``) and the grid's form field (``TextFormField``) apply the same
rule before the services see the value.

- Control characters (Unicode category Cc: U+0000–U+001F, U+007F–U+009F) are REFUSED with a
  message naming them; a multi-line field keeps tab, line feed and carriage return.
- A long text (construction content, progress, problems) is at most ``LONG_TEXT`` characters.
- Formula prefixes (= + - @) are ordinary text here; the spreadsheets neutralise them
  (``common.spreadsheets.safe_cell``)."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

# The longest construction content, progress or problems text (the API has always refused more).
LONG_TEXT = 20000

# Every control character; a multi-line field may hold tab, LF and CR.
CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f]")
MULTILINE_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
LINE_BREAKS_RE = re.compile("[\t\n\r]")

CONTROL_MESSAGE = _("不能包含控制字符（%(chars)s）；请删除后重试。")


def control_characters(value: str, *, multiline: bool = False) -> list[str]:
    """The distinct control characters `value` holds that the field may not, in order."""
    pattern = MULTILINE_CONTROL_RE if multiline else CONTROL_RE
    return list(dict.fromkeys(pattern.findall(value or "")))


def clean_text(value: str, *, max_length: int | None = None, multiline: bool = False) -> str:
    """`value` if it follows the text rule, else ValidationError with the message."""
    if value is None:
        return value
    found = control_characters(value, multiline=multiline)
    if found:
        raise ValidationError(
            CONTROL_MESSAGE,
            code="control_characters",
            params={"chars": "、".join(f"U+{ord(c):04X}" for c in found)},
        )
    if max_length is not None:
        MaxLengthValidator(max_length)(value)
    return value


def strip_control(value: str, *, multiline: bool = False) -> str:
    """What an existing value becomes under the rule (the data migrations): control characters
    removed; in a single-line field tab, LF and CR become a space."""
    if not multiline:
        value = LINE_BREAKS_RE.sub(" ", value)
    return MULTILINE_CONTROL_RE.sub("", value)


@deconstructible
class TextRule:
    """The model validator: `TextRule()` for a one-line field (its max_length is the field's),
    `TextRule(multiline=True, max_length=LONG_TEXT)` for a long text (a TextField's max_length is
    enforced by forms only, so the validator checks it for every door)."""

    def __init__(self, *, multiline: bool = False, max_length: int | None = None):
        self.multiline = multiline
        self.max_length = max_length

    def __call__(self, value) -> None:
        if isinstance(value, str):
            clean_text(value, max_length=self.max_length, multiline=self.multiline)

    def __eq__(self, other) -> bool:
        return isinstance(other, TextRule) and self.multiline == other.multiline and self.max_length == other.max_length


# The validator of construction content, progress and problems.
LONG_TEXT_RULE = TextRule(multiline=True, max_length=LONG_TEXT)


class TextFormField(forms.CharField):
    """A form field by the text rule (for forms that are not model forms, e.g. the monthly grid)."""

    def __init__(self, *, multiline: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.validators.append(TextRule(multiline=multiline))


# --- The data migrations: existing rows cleaned set-based ------------------------------------


def _pattern(multiline: bool, vendor: str) -> str:
    chars = MULTILINE_CONTROL_RE.pattern if multiline else CONTROL_RE.pattern
    if vendor == "postgresql":  # PostgreSQL text cannot hold U+0000, nor a pattern naming it
        chars = chars.replace("\x00", "\x01", 1)
    return chars


def clean_stored_text(model, *, single_line=(), multi_line=(), connection) -> int:
    """Remove control characters from the stored rows of `model` (the data migrations):
    on PostgreSQL one UPDATE … REGEXP_REPLACE per field, on SQLite a loop over the few bad rows
    found by a filter. Returns the number of values changed."""
    from django.db.models import F, Func, Value

    changed = 0
    fields = [(name, False) for name in single_line] + [(name, True) for name in multi_line]
    for name, multiline in fields:
        replace = {"function": "REGEXP_REPLACE", "output_field": model._meta.get_field(name)}
        bad = model._default_manager.filter(**{f"{name}__regex": _pattern(multiline, connection.vendor)})
        if connection.vendor == "postgresql":
            expression = F(name)
            if not multiline:
                expression = Func(expression, Value("[\t\n\r]"), Value(" "), Value("g"), **replace)
            expression = Func(expression, Value(_pattern(True, "postgresql")), Value(""), Value("g"), **replace)
            changed += bad.update(**{name: expression})
            continue
        for pk, value in bad.values_list("pk", name):
            model._default_manager.filter(pk=pk).update(**{name: strip_control(value, multiline=multiline)})
            changed += 1
    return changed


def clean_models(apps, schema_editor, app_label: str, fields: dict) -> int:
    """A data migration's body: `fields` maps a model name of `app_label` to (one-line fields,
    multi-line fields), each cleaned by ``clean_stored_text``."""
    changed = 0
    for model_name, (single_line, multi_line) in fields.items():
        model = apps.get_model(app_label, model_name)
        changed += clean_stored_text(
            model, single_line=single_line, multi_line=multi_line, connection=schema_editor.connection
        )
    return changed
