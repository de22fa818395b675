"""Paging shared by the API and the pages."""

from __future__ import annotations

from collections.abc import Callable

from rest_framework.pagination import PageNumberPagination


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


def page_window(number: str | None, size: int) -> tuple[int, int] | None:
    """The rows [bottom, top) that page `number` of `size` rows asks for when the number is a
    plain positive integer (missing: the first page); else None (as for `last`: the paginator
    needs the count first)."""
    number = number or "1"
    if not size or not (number.isascii() and number.isdigit()) or int(number) < 1:
        return None
    return (int(number) - 1) * size, int(number) * size


class CountedRows:
    """What a paginator pages: the count from `count()`, the page's rows from `rows`.

    With `window` (page_window of the request) the rows carry the total as a column (`total`
    reads it from a row): asking for the count reads that page, and the total comes with it,
    one statement instead of two; an empty page (past the end, or nothing to list) asks
    `count()` as without a window. The paginator's slice of that page (its stop clamped to the
    total on the last page) is then the page read."""

    ordered = True

    def __init__(self, count: Callable[[], int], rows, window: tuple[int, int] | None = None, *, total=None):
        self._count, self.rows, self.window = count, rows, window
        self._total = total or (lambda row: row[-1])
        self.page: list | None = None

    def count(self) -> int:
        if self.window is not None and self.page is None:
            bottom, top = self.window
            self.page = list(self.rows[bottom:top])
            if self.page:
                return self._total(self.page[0])
        return self._count()

    def __getitem__(self, key):
        if self.page and isinstance(key, slice) and key.start == self.window[0] and key.stop <= self.window[1]:
            return self.page
        return self.rows[key]
