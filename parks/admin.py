"""Admin for regions, parks, industries and users: the commission's data officers keep the
reference data here."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Industry, Park, Region, User
from .tokens import revoke_tokens


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    """The shipped GB/T 2260 table (about 3,400 rows): searched by code or name, also from the
    park form's autocomplete."""

    list_display = ["code", "name", "parent", "abolished"]
    list_filter = ["abolished"]
    search_fields = ["code", "name"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]


@admin.register(Industry)
class IndustryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "parent", "gbt_code", "sort_order"]
    list_filter = [("parent", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["code", "name", "gbt_code"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]
    ordering = ["sort_order", "code"]


@admin.register(Park)
class ParkAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "region", "parent", "area_mu", "sort_order"]
    list_filter = [("region", admin.RelatedOnlyFieldListFilter), ("parent", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["code", "name", "region__name", "region__code"]
    list_select_related = ["region", "parent"]
    autocomplete_fields = ["region", "parent"]
    filter_horizontal = ["industries"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Django's user admin plus the contract's role and the administered park."""

    list_display = ["username", "last_name", "first_name", "role", "park", "is_active", "is_staff", "last_login"]
    list_filter = ["role", ("park", admin.RelatedOnlyFieldListFilter), "is_active", "is_staff", "is_superuser"]
    search_fields = ["username", "first_name", "last_name", "email", "park__name", "park__code"]
    list_select_related = ["park"]
    autocomplete_fields = ["park"]
    fieldsets = [
        *DjangoUserAdmin.fieldsets,
        (_("角色与园区"), {"fields": ["role", "park", "receives_weekly_report"]}),
    ]
    add_fieldsets = [
        *DjangoUserAdmin.add_fieldsets,
        (_("角色与园区"), {"fields": ["role", "park"]}),
    ]
    actions = ["revoke_api_tokens"]

    @admin.action(description=_("吊销所选用户的 API 令牌"))
    def revoke_api_tokens(self, request, queryset):
        revoked = sum(revoke_tokens(user) for user in queryset)
        self.message_user(request, _("已吊销 %(count)d 个 API 令牌。") % {"count": revoked}, messages.SUCCESS)
