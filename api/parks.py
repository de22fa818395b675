"""`/api/v1/parks/`, `/api/v1/industries/` and `/api/v1/regions/`: reference data, read by everyone
signed in; parks and industries written by the commission, regions read-only (the shipped GB/T 2260
table). All are looked up and referenced by their CODE."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers, viewsets
from rest_framework.permissions import IsAuthenticated

from api.export import ExportMixin
from api.fields import CleanTextField, CodeRelatedField, StrictIntegerField, h
from api.filters import RegionFilter
from api.permissions import ReadAllWriteCommission
from parks.models import Industry, Park, Region, RegionLevel, check_region_usable, region_code_validator

CODE_REGEX = r"[^/\x00]{1,64}"


class TreeParentMixin:
    """A parent may not be the node itself or one of its descendants (no cycles)."""

    def validate_parent(self, parent):
        if parent is not None and self.instance is not None:
            below = type(self.instance).objects.descendant_ids([self.instance.pk])
            if parent.pk in below:
                raise serializers.ValidationError(_("上级不能是其自身或其下级。"))
        return parent


def tree_code_field(label, help_text, invalid) -> serializers.RegexField:
    """The code of a park or an industry: 1–32 letters, digits, "-" or "_"."""
    return serializers.RegexField(
        r"^[A-Za-z0-9_\-]{1,32}$",
        max_length=32,
        label=label,
        help_text=help_text,
        error_messages={"invalid": invalid},
    )


class ParkSerializer(TreeParentMixin, serializers.ModelSerializer):
    code = tree_code_field(
        _("园区代码"),
        h("园区代码（唯一，字母数字、-、_）", "Park code (unique; letters, digits, - and _)"),
        _("园区代码只能包含字母、数字、“-”和“_”，最长32位。"),
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
    sort_order = StrictIntegerField(
        min_value=0, max_value=32767, required=False, label=_("排序"), help_text=h("排序", "Sort order")
    )

    class Meta:
        model = Park
        fields = ["code", "name", "region_code", "region_name", "parent", "area_mu", "sort_order"]

    def validate_region_code(self, region):
        region_code_validator(region.code)
        check_region_usable(region, self.instance.region_id if self.instance is not None else None)
        return region

    def validate_code(self, code):
        qs = Park.objects.filter(code=code)
        if self.instance is not None:
            qs = qs.exclude(pk=self.instance.pk)
        if qs.exists():
            raise serializers.ValidationError(_("园区代码“%(code)s”已存在。") % {"code": code})
        return code


class RegionSerializer(serializers.ModelSerializer):
    code = serializers.CharField(
        read_only=True,
        label=_("行政区划代码"),
        help_text=h("行政区划代码（6位，GB/T 2260）", "Division code (6 digits, GB/T 2260)"),
    )
    name = serializers.CharField(read_only=True, label=_("名称"), help_text=h("名称", "Name"))
    parent = serializers.SlugRelatedField(
        slug_field="code",
        read_only=True,
        label=_("上级"),
        help_text=h("上级行政区划代码，省级为 null", "Parent division code; null for a province"),
    )
    level = serializers.ChoiceField(
        choices=RegionLevel.choices,
        read_only=True,
        label=_("层级"),
        help_text=h("层级：province 省级、prefecture 地级、county 县级", "Level: province, prefecture or county"),
    )
    abolished = serializers.BooleanField(
        read_only=True,
        label=_("已撤销"),
        help_text=h(
            "已撤销：仍可用于已有园区，新建园区不可选用", "Abolished: kept by existing parks, refused for new ones"
        ),
    )

    class Meta:
        model = Region
        fields = ["code", "name", "parent", "level", "abolished"]


class IndustrySerializer(TreeParentMixin, serializers.ModelSerializer):
    code = tree_code_field(
        _("产业代码"),
        h("产业代码（唯一）", "Industry code (unique)"),
        _("产业代码只能包含字母、数字、“-”和“_”，最长32位。"),
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
    sort_order = StrictIntegerField(
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


class RegionViewSet(ExportMixin, viewsets.ReadOnlyModelViewSet):
    """行政区划 / administrative divisions (GB/T 2260, shipped with the product). Read-only, for
    everyone signed in; `?search=` matches a code prefix or a name substring."""

    serializer_class = RegionSerializer
    permission_classes = [IsAuthenticated]
    lookup_field = "code"
    lookup_value_regex = r"\d{6}"
    search_fields = ["^code", "name"]
    ordering_fields = ["code", "name"]
    filterset_class = RegionFilter
    export_name = "regions"

    def get_queryset(self):
        return Region.objects.select_related("parent").order_by("code")
