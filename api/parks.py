"""`/api/v1/parks/` and `/api/v1/industries/`: reference data, read by everyone signed in,
written by the commission. Both are looked up and referenced by their CODE."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers, viewsets

from api.export import ExportMixin
from api.fields import CleanTextField, CodeRelatedField, h
from api.permissions import ReadAllWriteCommission
from parks.models import Industry, Park, Region, region_code_validator

CODE_REGEX = r"[^/\x00]{1,64}"


class TreeParentMixin:
    """A parent may not be the node itself or one of its descendants (no cycles)."""

    def validate_parent(self, parent):
        if parent is not None and self.instance is not None:
            below = type(self.instance).objects.descendant_ids([self.instance.pk])
            if parent.pk in below:
                raise serializers.ValidationError(_("上级不能是其自身或其下级。"))
        return parent


class ParkSerializer(TreeParentMixin, serializers.ModelSerializer):
    code = serializers.RegexField(
        r"^[A-Za-z0-9_\-]{1,32}$",
        max_length=32,
        label=_("园区代码"),
        help_text=h("园区代码（唯一，字母数字、-、_）", "Park code (unique; letters, digits, - and _)"),
        error_messages={"invalid": _("园区代码只能包含字母、数字、“-”和“_”，最长32位。")},
    )
    name = CleanTextField(max_length=100, label=_("名称"), help_text=h("园区名称", "Park name"))
    region_code = CodeRelatedField(
        source="region",
        slug_field="code",
        queryset=Region.objects.all(),
        label=_("行政区划代码"),
        help_text=h("行政区划代码（6位，GB/T 2260）", "Administrative division code (6 digits, GB/T 2260)"),
        validators=[],
    )
    region_name = serializers.CharField(
        source="region.name", read_only=True, label=_("行政区划"), help_text=h("行政区划名称", "Region name")
    )
    parent = CodeRelatedField(
        slug_field="code",
        queryset=Park.objects.all(),
        allow_null=True,
        required=False,
        label=_("上级园区"),
        help_text=h("上级园区代码，无则为 null", "Parent park code, or null"),
    )
    area_mu = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=0,
        allow_null=True,
        required=False,
        label=_("面积（亩）"),
        help_text=h("面积（亩）", "Area (mu)"),
    )
    sort_order = serializers.IntegerField(
        min_value=0, max_value=32767, required=False, label=_("排序"), help_text=h("排序", "Sort order")
    )

    class Meta:
        model = Park
        fields = ["code", "name", "region_code", "region_name", "parent", "area_mu", "sort_order"]

    def validate_region_code(self, region):
        region_code_validator(region.code)
        return region

    def validate_code(self, code):
        qs = Park.objects.filter(code=code)
        if self.instance is not None:
            qs = qs.exclude(pk=self.instance.pk)
        if qs.exists():
            raise serializers.ValidationError(_("园区代码“%(code)s”已存在。") % {"code": code})
        return code


class IndustrySerializer(TreeParentMixin, serializers.ModelSerializer):
    code = serializers.RegexField(
        r"^[A-Za-z0-9_\-]{1,32}$",
        max_length=32,
        label=_("产业代码"),
        help_text=h("产业代码（唯一）", "Industry code (unique)"),
        error_messages={"invalid": _("产业代码只能包含字母、数字、“-”和“_”，最长32位。")},
    )
    name = CleanTextField(max_length=100, label=_("名称"), help_text=h("产业名称", "Industry name"))
    parent = CodeRelatedField(
        slug_field="code",
        queryset=Industry.objects.all(),
        allow_null=True,
        required=False,
        label=_("上级产业"),
        help_text=h("上级产业代码，无则为 null", "Parent industry code, or null"),
    )
    gbt_code = serializers.RegexField(
        r"^[A-T]?\d{0,4}$",
        max_length=8,
        required=False,
        allow_blank=True,
        label=_("国民经济行业分类代码"),
        help_text=h(
            "国民经济行业分类代码（GB/T 4754-2017，如 C27）", "National industry code (GB/T 4754-2017, e.g. C27)"
        ),
        error_messages={"invalid": _("国民经济行业分类代码格式如 C27。")},
    )
    sort_order = serializers.IntegerField(
        min_value=0, max_value=32767, required=False, label=_("排序"), help_text=h("排序", "Sort order")
    )

    class Meta:
        model = Industry
        fields = ["code", "name", "parent", "gbt_code", "sort_order"]

    def validate_code(self, code):
        qs = Industry.objects.filter(code=code)
        if self.instance is not None:
            qs = qs.exclude(pk=self.instance.pk)
        if qs.exists():
            raise serializers.ValidationError(_("产业代码“%(code)s”已存在。") % {"code": code})
        return code


class ParkViewSet(ExportMixin, viewsets.ModelViewSet):
    """园区 / parks (with sub-parks). Everyone signed in reads; the commission writes. Deleting a
    park still used by projects, users or sub-parks answers 400."""

    serializer_class = ParkSerializer
    permission_classes = [ReadAllWriteCommission]
    lookup_field = "code"
    lookup_value_regex = CODE_REGEX
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name", "sort_order"]
    filterset_fields: list[str] = []
    export_name = "parks"

    def get_queryset(self):
        return Park.objects.select_related("region", "parent").order_by("sort_order", "code")


class IndustryViewSet(ExportMixin, viewsets.ModelViewSet):
    """产业 / industries (a tree). Everyone signed in reads; the commission writes."""

    serializer_class = IndustrySerializer
    permission_classes = [ReadAllWriteCommission]
    lookup_field = "code"
    lookup_value_regex = CODE_REGEX
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name", "sort_order"]
    filterset_fields: list[str] = []
    export_name = "industries"

    def get_queryset(self):
        return Industry.objects.select_related("parent").order_by("sort_order", "code")
