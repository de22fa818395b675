"""The contract's page shape {"count", "next", "previous", "results"}, ?page= and ?page_size=
(up to 500), with the envelope described in both languages in the schema."""

from __future__ import annotations

from api.fields import h
from common.pagination import StandardPagination


class ApiPagination(StandardPagination):
    def get_paginated_response_schema(self, schema):
        result = super().get_paginated_response_schema(schema)
        props = result["properties"]
        props["count"]["description"] = h("符合条件的总条数", "Total number of matching items")
        props["next"]["description"] = h("下一页地址，无则为 null", "URL of the next page, or null")
        props["previous"]["description"] = h("上一页地址，无则为 null", "URL of the previous page, or null")
        props["results"]["description"] = h("本页数据", "Items of this page")
        return result
