"""Administrative regions, parks (with sub-parks), the industry tree, and who may do what."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from common.prepared import Prepared
from common.text import TextRule

region_code_validator = RegexValidator(r"^\d{6}$", _("行政区划代码应为6位数字（GB/T 2260）。"))


class RegionLevel(models.TextChoices):
    """Read from the code: xx0000 province, xxxx00 prefecture, anything else county."""

    PROVINCE = "province", _("省级")
    PREFECTURE = "prefecture", _("地级")
    COUNTY = "county", _("县级")


REGION_LEVEL_Q = {
    RegionLevel.PROVINCE: Q(code__endswith="0000"),
    RegionLevel.PREFECTURE: Q(code__endswith="00") & ~Q(code__endswith="0000"),
    RegionLevel.COUNTY: ~Q(code__endswith="00"),
}


def region_level(code: str) -> RegionLevel:
    if code.endswith("0000"):
        return RegionLevel.PROVINCE
    return RegionLevel.PREFECTURE if code.endswith("00") else RegionLevel.COUNTY


class Region(models.Model):
    """An administrative division (GB/T 2260), e.g. 130110 鹿泉区. The table ships with the product
    (parks/data/gbt2260.json, loaded by a data migration, refreshed by `sync_regions`); a code the
    source no longer lists is marked abolished, never deleted, so old records keep it."""

    code = models.CharField(_("行政区划代码"), max_length=6, unique=True, validators=[region_code_validator])
    name = models.CharField(_("名称"), max_length=100, validators=[TextRule()])
    parent = models.ForeignKey(
        "self", verbose_name=_("上级"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    abolished = models.BooleanField(
        _("已撤销"), default=False, help_text=_("已撤销的代码仍可用于已有园区，新建园区不可选用。")
    )

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}" + (f" ({_('已撤销')})" if self.abolished else "")

    @property
    def level(self) -> RegionLevel:
        return region_level(self.code)


def check_region_usable(region: Region, current_region_id: int | None) -> None:
    """A park keeps the abolished code it already has (old records stay valid); a new park, or a
    park moved to another region, needs a current code."""
    if region.abolished and region.pk != current_region_id:
        raise ValidationError(
            _("行政区划代码 %(code)s（%(name)s）已撤销，请选用现行代码。") % {"code": region.code, "name": region.name},
            code="abolished",
        )


def _children(pairs) -> dict[int | None, list[int]]:
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in pairs:
        children.setdefault(parent_id, []).append(pk)
    return children


def _walk(children: dict[int | None, list[int]], root_ids) -> set[int]:
    found: set[int] = set()
    stack = list(root_ids)
    while stack:
        pk = stack.pop()
        if pk in found:
            continue
        found.add(pk)
        stack.extend(children.get(pk, []))
    return found


def descendants(pairs, root_ids) -> set[int]:
    """The roots and everything below them, from (id, parent_id) pairs: the one tree walk (parks
    and industries are small trees, tens to hundreds of rows, walked in memory at any depth)."""
    return _walk(_children(pairs), root_ids)


def descendants_of_each(pairs) -> dict[int, set[int]]:
    """id → the node and all its descendants, for every node of the (id, parent_id) pairs."""
    pairs = list(pairs)
    children = _children(pairs)
    return {pk: _walk(children, [pk]) for pk, _parent in pairs}


class TreeQuerySet(models.QuerySet):
    """Parks and industries: one query fetches every (id, parent_id) pair for the walk."""

    def descendant_ids(self, root_ids) -> set[int]:
        pairs = _TREE_PAIRS.get(self.model)
        if pairs is None:  # compiled once per model (common.prepared): read on most requests
            pairs = _TREE_PAIRS[self.model] = Prepared(
                lambda model=self.model: model.objects.order_by().values("id", "parent_id")
            )
        return descendants(((row["id"], row["parent_id"]) for row in pairs()), root_ids)


_TREE_PAIRS: dict = {}


class Industry(models.Model):
    """An industry cluster or sub-sector of the city's own classification (what users filter
    by), optionally mapped to the national GB/T 4754-2017 code (what statistics use)."""

    code = models.CharField(_("产业代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100, validators=[TextRule()])
    parent = models.ForeignKey(
        "self", verbose_name=_("上级产业"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    gbt_code = models.CharField(_("国民经济行业分类代码"), max_length=8, blank=True, help_text="GB/T 4754-2017, 如 C27")
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    objects = TreeQuerySet.as_manager()

    class Meta:
        verbose_name = _("产业")
        verbose_name_plural = _("产业")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class Park(models.Model):
    """An industrial park; sub-parks (高新区 → 国际生物医药园) point to their parent."""

    code = models.CharField(_("园区代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100, validators=[TextRule()])
    region = models.ForeignKey(Region, verbose_name=_("行政区划"), on_delete=models.PROTECT, related_name="parks")
    parent = models.ForeignKey(
        "self", verbose_name=_("上级园区"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    area_mu = models.DecimalField(
        _("面积（亩）"), max_digits=12, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    industries = models.ManyToManyField(Industry, verbose_name=_("主导产业"), blank=True, related_name="parks")
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    objects = TreeQuerySet.as_manager()

    class Meta:
        verbose_name = _("园区")
        verbose_name_plural = _("园区")
        ordering = ["sort_order", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(area_mu__gte=0), name="park_area_non_negative"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        super().clean()
        if self.region_id is not None:
            stored = Park.objects.filter(pk=self.pk).values_list("region_id", flat=True).first() if self.pk else None
            try:
                check_region_usable(self.region, stored)
            except ValidationError as error:
                raise ValidationError({"region": error.messages})

    @property
    def region_code(self) -> str:
        return self.region.code


class Role(models.TextChoices):
    COMMISSION = "commission", _("发改委")
    PARK_ADMIN = "park_admin", _("园区管理员")
    VIEWER = "viewer", _("只读用户")


class User(AbstractUser):
    """A user with one of the contract's three roles; a park admin administers one park (and,
    through it, that park's sub-parks)."""

    role = models.CharField(_("角色"), max_length=16, choices=Role.choices, default=Role.VIEWER)
    park = models.ForeignKey(
        Park, verbose_name=_("所属园区"), null=True, blank=True, on_delete=models.PROTECT, related_name="admins"
    )
    receives_weekly_report = models.BooleanField(_("接收每周滞后通报"), default=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.CheckConstraint(condition=~Q(role="park_admin") | Q(park__isnull=False), name="park_admin_has_park"),
        ]

    def clean(self):
        super().clean()
        # The database refuses it too (park_admin_has_park); this turns it into a message.
        if self.role == Role.PARK_ADMIN and self.park_id is None:
            raise ValidationError({"park": _("园区管理员必须指定所属园区。")})

    # Who may do what is decided in parks.access; these read it for templates and callers.
    @property
    def is_commission(self) -> bool:
        from . import access

        return access.is_commission(self)

    @property
    def is_park_admin(self) -> bool:
        from . import access

        return access.is_park_admin(self)

    def administered_park_ids(self) -> set[int]:
        """The park and all its sub-parks; empty for anyone who is not a park admin."""
        from . import access

        return access.administered_park_ids(self)

    @property
    def can_write_anything(self) -> bool:
        from . import access

        return access.can_write_anything(self)
