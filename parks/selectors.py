"""Reads about parks and industries."""

from __future__ import annotations

from .models import Industry, Park


def industry_with_descendant_ids(industry_ids) -> set[int]:
    return Industry.objects.descendant_ids(industry_ids)


def park_with_descendant_ids(park_ids) -> set[int]:
    return Park.objects.descendant_ids(park_ids)
