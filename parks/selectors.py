"""Reads of the parks and the industry tree that pages share."""

from __future__ import annotations

from common import dataversion

from .models import Industry, Park, User

LISTS_TABLES = (Park._meta.db_table, Industry._meta.db_table)


def _read_lists() -> tuple[list[Park], list[Industry]]:
    return list(Park.objects.all()), list(Industry.objects.all())


def park_and_industry_lists() -> tuple[list[Park], list[Industry]]:
    """Every park and every industry, each in its model's order (Meta.ordering): the options of
    the list filters, from the pages cache (common.dataversion) while neither table is written,
    so exact after every write; two statements when they are read. A few dozen rows, which
    every list, board and map page showed through two statements of its own."""
    return dataversion.cached("parks:park-and-industry-lists", _read_lists, tables=LISTS_TABLES)


def give_user_park(user, parks) -> None:
    """Set `user.park` from `parks` (every park, read already, e.g. the lists above) unless it
    is loaded: every page's header names the user's park, by a statement of its own otherwise."""
    park_id = getattr(user, "park_id", None)
    if park_id is None or User.park.is_cached(user):
        return
    park = next((park for park in parks if park.pk == park_id), None)
    if park is not None:
        User.park.field.set_cached_value(user, park)
