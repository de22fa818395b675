"""Web forms: the project card with its milestones and annual plans, the list filters, the
monthly reporting grid and the Excel upload. Validation messages are Chinese source strings."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.dates import DateFormField
from common.money import AmountFormField
from common.periods import PeriodError, parse_period
from common.text import LONG_TEXT, TextFormField, clean_text
from parks.access import writable_parks
from parks.models import Industry, Park
from parks.selectors import park_and_industry_lists
from projects.imports import KIND_LABELS, ImportRefused, check_upload
from projects.models import AnnualPlan, Level, Project, Stage, Status
from scheduling.models import Milestone, MilestoneKind, ScheduleTemplate, milestone_order_errors

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ProjectForm(forms.ModelForm):
    # The version the user started from; a stale one makes the save a conflict (see the view).
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    template = forms.ModelChoiceField(
        ScheduleTemplate.objects.all(),
        required=False,
        label=gettext_lazy("倒排工期模板"),
        empty_label=gettext_lazy("（不使用模板）"),
        help_text=gettext_lazy("选择模板并填写目标日期，保存时按模板倒排生成节点"),
    )
    template_target = DateFormField(required=False, label=gettext_lazy("模板目标日期"), widget=DATE_INPUT)

    class Meta:
        model = Project
        fields = [
            "code",
            "name",
            "owner",
            "park",
            "industry",
            "level",
            "year",
            "stage",
            "phase",
            "total_investment",
            "annual_output",
            "target_date",
            "leader",
            "contact_person",
            "contact_phone",
            "construction_content",
            "latitude",
            "longitude",
            "is_special_bond",
            "special_bond_amount",
        ]
        field_classes = {"target_date": DateFormField}
        widgets = {
            "target_date": DATE_INPUT,
            "construction_content": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["park"].queryset = writable_parks(user)
        self.fields["industry"].queryset = Industry.objects.all()
        if self.instance.pk:
            # Editing needs the version the user started from; without it a save could silently
            # overwrite someone else's.
            self.fields["version"].required = True
            self.fields["version"].error_messages["required"] = _("缺少版本号，请刷新页面后重新修改。")
            if not self.is_bound:
                self.initial["version"] = self.instance.version

    def clean_code(self):
        return self.cleaned_data.get("code") or None

    def clean(self):
        data = super().clean()
        if data.get("template") and not data.get("template_target"):
            self.add_error("template_target", _("使用模板时必须填写目标日期。"))
        if data.get("is_special_bond") is False and data.get("special_bond_amount"):
            self.add_error("is_special_bond", _("填写了专项债金额时请勾选“申报专项债”。"))
        return data


class MilestoneForm(forms.ModelForm):
    class Meta:
        model = Milestone
        fields = ["kind", "name", "planned_date", "actual_date"]
        field_classes = {"planned_date": DateFormField, "actual_date": DateFormField}
        widgets = {"planned_date": DATE_INPUT, "actual_date": DATE_INPUT}

    def clean(self):
        data = super().clean()
        if data.get("kind") == MilestoneKind.OTHER and not (data.get("name") or "").strip():
            self.add_error("name", _("节点类型为“其他”时必须填写节点名称。"))
        return data

    def _post_clean(self):
        # Milestone.clean() checks the order against the *saved* siblings, which is wrong while
        # several dates of one project move at once; the formset checks the order of the whole
        # submitted set instead (same rule, milestone_order_errors), and the services check each
        # write again when saving.
        self.instance.clean = lambda: None
        try:
            super()._post_clean()
        finally:
            del self.instance.clean


class BaseMilestoneFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        live = [
            f
            for f in self.forms
            if f.has_changed() or f.instance.pk
            if not self._should_delete_form(f) and hasattr(f, "cleaned_data") and f.cleaned_data.get("kind")
        ]
        items = [
            Milestone(**{k: f.cleaned_data.get(k) for k in ("kind", "name", "planned_date", "actual_date")})
            for f in live
        ]
        for index, fields in milestone_order_errors(items).items():
            for name, message in fields.items():
                live[index].add_error(name, message)


class BaseAnnualPlanFormSet(BaseInlineFormSet):
    def clean(self):
        # Before super().clean(): its unique check would only give a message above the table.
        years: dict[int, int] = {}
        for f in self.forms:
            if self._should_delete_form(f) or not hasattr(f, "cleaned_data"):
                continue
            year = f.cleaned_data.get("year")
            if year is None:
                continue
            if year in years:
                f.add_error("year", _("%(year)d 年的计划已在上面填写。") % {"year": year})
            years[year] = 1
        super().clean()


MilestoneFormSet = inlineformset_factory(
    Project, Milestone, form=MilestoneForm, formset=BaseMilestoneFormSet, extra=2, can_delete=True
)
AnnualPlanFormSet = inlineformset_factory(
    Project,
    AnnualPlan,
    fields=["year", "planned_investment"],
    formset=BaseAnnualPlanFormSet,
    extra=1,
    can_delete=True,
)


class ListedChoiceIterator(forms.models.ModelChoiceIterator):
    """The options of a ListedModelChoiceField: its list of instances, no statement."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.field.objects:
            yield self.choice(obj)

    def __len__(self):
        return len(self.field.objects) + (1 if self.field.empty_label is not None else 0)

    def __bool__(self):
        return self.field.empty_label is not None or bool(self.field.objects)


class ListedModelChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField over a list of instances read already (`objects`, in the order shown):
    its options and its validation come from that list, as Django's come from the queryset
    (`queryset.get(pk=value)`: the same conversion of the value, the same errors)."""

    iterator = ListedChoiceIterator

    def __init__(self, model, **kwargs):
        super().__init__(model._default_manager.none(), **kwargs)
        self.objects: list = []

    def __deepcopy__(self, memo):
        result = super().__deepcopy__(memo)
        result.objects = list(self.objects)
        return result

    def set_objects(self, objects) -> None:
        self.objects = list(objects)
        self.widget.choices = self.choices

    def to_python(self, value):
        if value in self.empty_values:
            return None
        self.validate_no_null_characters(value)
        model = self.queryset.model
        try:
            if isinstance(value, model):
                value = value.pk
            pk = model._meta.pk.get_prep_value(value)
        except (ValueError, TypeError):
            pk = None
        found = next((obj for obj in self.objects if obj.pk == pk), None) if pk is not None else None
        if found is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value})
        return found


def parse_period_param(value: str | None, default: dt.date, *, request=None, name: str = "period") -> dt.date:
    """A page's ?period=YYYY-MM (common.periods); a missing one gives `default`, a bad or
    out-of-range one too, with a message on the page naming the parameter (never a 500)."""
    if value is None or not value.strip():
        return default
    try:
        return parse_period(value)
    except PeriodError as exc:
        if request is not None:
            messages.warning(
                request,
                _("参数 %(name)s：%(message)s 已显示 %(default)s。")
                % {"name": name, "message": exc.message, "default": f"{default:%Y-%m}"},
            )
        return default


def long_text_field(label) -> TextFormField:
    """An optional multi-line text by the text rule (common.text), at most LONG_TEXT characters."""
    return TextFormField(
        multiline=True, max_length=LONG_TEXT, required=False, label=label, widget=forms.Textarea(attrs={"rows": 2})
    )


def _flat_attrs(attrs: dict) -> str:
    """Django's widgets/attrs.html: ` name="value"`, a bare name for True, nothing for False."""
    return "".join(
        "" if value is False else (format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value))
        for name, value in attrs.items()
    )


def _input_html(widget: dict) -> SafeString:
    """Django's input.html of a widget's context."""
    shown = "" if widget["value"] is None else format_html(' value="{}"', widget["value"])
    return mark_safe(  # noqa: S308 (every part escaped by format_html above)
        format_html('<input type="{}" name="{}"', widget["type"], widget["name"])
        + shown
        + _flat_attrs(widget["attrs"])
        + ">"
    )


class GridTextInput(forms.TextInput):
    """The same HTML as Django's input.html, written in Python: the grid draws 100 rows × 3
    widgets, and the template path per widget was three quarters of the page's time."""

    def render(self, name, value, attrs=None, renderer=None):
        return _input_html(self.get_context(name, value, attrs)["widget"])


class FastCheckboxInput(forms.CheckboxInput):
    """The same HTML as Django's checkbox.html (input.html, `checked` from the check test),
    written in Python (the list's filter form)."""

    def render(self, name, value, attrs=None, renderer=None):
        return _input_html(self.get_context(name, value, attrs)["widget"])


class GridTextarea(forms.Textarea):
    """The same HTML as Django's textarea.html, written in Python (see GridTextInput)."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        body = format_html("{}", widget["value"]) if widget["value"] else ""
        return mark_safe(  # noqa: S308 (every part escaped by format_html above)
            format_html('<textarea name="{}"', widget["name"])
            + _flat_attrs(widget["attrs"])
            + ">\n"
            + body
            + "</textarea>"
        )


class FastSelect(forms.Select):
    """The same HTML as Django's select.html / select_option.html (no option groups), written in
    Python: the list's filter form draws some 40 options on every page."""

    def render(self, name, value, attrs=None, renderer=None):
        if self.allow_multiple_selected:
            return self._render_context(name, value, attrs, renderer)
        # Django's get_context/optgroups/create_option, without their per-option dicts and
        # attribute copies (a select's options carry no attribute but `selected`).
        esc = conditional_escape  # format_html's escaping, without its call per option
        selected_values = self.format_value(value)
        out = [format_html('<select name="{}"', name), _flat_attrs(self.build_attrs(self.attrs, attrs)), ">"]
        has_selected = False
        for option_value, option_label in self.choices:
            if isinstance(option_label, (list, tuple)):  # option groups: Django's own templates
                return super().render(name, value, attrs, renderer)
            if option_value is None:
                option_value = ""
            selected = not has_selected and str(option_value) in selected_values
            has_selected |= selected
            out.append(  # the option template's newline at the end
                f'\n  <option value="{esc(option_value)}"{" selected" if selected else ""}>{esc(option_label)}</option>\n'
            )
        out.append("\n</select>")
        return mark_safe("".join(out))  # noqa: S308 (every part escaped above)

    def _render_context(self, name, value, attrs=None, renderer=None):
        """The same HTML through Django's context (kept for a multiple select, and as the
        reference the tests compare render with)."""
        widget = self.get_context(name, value, attrs)["widget"]
        out = [format_html('<select name="{}"', widget["name"]), _flat_attrs(widget["attrs"]), ">"]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:  # option groups: Django's own templates
                return super().render(name, value, attrs, renderer)
            for option in options:
                out.append(format_html('\n  <option value="{}"', option["value"]))
                out.append(_flat_attrs(option["attrs"]))
                out.append(format_html(">{}</option>\n", option["label"]))  # the option template's newline
        out.append("\n</select>")
        return mark_safe("".join(out))  # noqa: S308 (every part escaped by format_html above)


class ProjectFilterForm(forms.Form):
    """The list's filters (also the board's and the map's). Its widgets write Django's HTML in
    Python, and `fields_html` the template's loop over them (cProfile of /projects/: the form
    drawn through templates was a third of the page's rendering)."""

    q = forms.CharField(required=False, label=gettext_lazy("搜索"), widget=GridTextInput)
    park = ListedModelChoiceField(Park, required=False, label=gettext_lazy("园区"), widget=FastSelect)
    industry = ListedModelChoiceField(Industry, required=False, label=gettext_lazy("产业"), widget=FastSelect)
    level = forms.ChoiceField(
        choices=[("", "—")] + Level.choices, required=False, label=gettext_lazy("级别"), widget=FastSelect
    )
    stage = forms.ChoiceField(
        choices=[("", "—")] + Stage.choices, required=False, label=gettext_lazy("阶段"), widget=FastSelect
    )
    status = forms.ChoiceField(
        choices=[("", "—")] + Status.choices, required=False, label=gettext_lazy("状态"), widget=FastSelect
    )
    spend_ahead = forms.BooleanField(
        required=False, label=gettext_lazy("投资与形象进度不匹配"), widget=FastCheckboxInput
    )

    def __init__(self, *args, parks=None, industries=None, **kwargs):
        """`parks`, `industries`: the options, in order (any iterable of instances; every park
        and every industry by default, parks.selectors.park_and_industry_lists)."""
        super().__init__(*args, **kwargs)
        if parks is None or industries is None:
            all_parks, all_industries = park_and_industry_lists()
            parks = all_parks if parks is None else parks
            industries = all_industries if industries is None else industries
        self.fields["park"].empty_label = "—"
        self.fields["industry"].empty_label = "—"
        self.fields["park"].set_objects(parks)
        self.fields["industry"].set_objects(industries)

    def fields_html(self) -> SafeString:
        """projects/_filters.html's `{% for field in form %}<label>{{ field.label }} {{ field }}</label>{% endfor %}`,
        in Python (tests/web/test_list_rows.py compares both)."""
        return mark_safe(  # noqa: S308 (the label escaped here, the widget's HTML escaped by it)
            "".join(
                f"<label>{conditional_escape(field.label)} {conditional_escape(str(field))}</label>" for field in self
            )
        )


class GridRowForm(forms.Form):
    """One project's row in the monthly grid."""

    amount = AmountFormField(
        required=False,
        label=gettext_lazy("当月完成投资（万元）"),
        widget=GridTextInput(attrs={"inputmode": "decimal", "size": 10}),
    )
    progress = long_text_field(gettext_lazy("形象进度"))
    problems = long_text_field(gettext_lazy("存在问题"))

    def __init__(self, *args, has_report=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.has_report = has_report
        for name in ("progress", "problems"):
            self.fields[name].widget = GridTextarea(attrs=dict(self.fields[name].widget.attrs))

    def clean(self):
        data = super().clean()
        if data.get("amount") is None and "amount" not in self.errors:
            if (data.get("progress") or data.get("problems")) and not self.has_report:
                self.add_error("amount", _("填写了进度或问题时，请同时填写当月完成投资（没有投资填 0）。"))
            elif self.has_report:
                self.add_error("amount", _("已报送的报告不能清空金额；如需更正请填写正确金额。"))
        return data


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(choices=list(KIND_LABELS.items()), label=gettext_lazy("导入内容"))
    file = forms.FileField(label=gettext_lazy("Excel 文件（.xlsx）"))
    update_existing = forms.BooleanField(
        required=False,
        label=gettext_lazy("更新已有项目"),
        help_text=gettext_lazy(
            "项目导入时，与已有项目相同（项目代码相同，或无代码时项目名称、建设单位、园区相同）的行更新该项目"
            "（只改有变化的字段，空单元格不改）；不勾选时这些行作为重复报错。"
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        clean_text(upload.name, max_length=255)  # the job's display name, by the text rule
        try:
            check_upload(upload, name=upload.name)
        except ImportRefused as exc:
            raise ValidationError(exc.message)
        return upload
