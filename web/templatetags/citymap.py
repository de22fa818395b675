"""{% map_picker %}: the city's districts for the project form, where a click sets the
coordinates (static/js/map_pick.js); no query, the boundaries are the shipped file (parks.geo)."""

from __future__ import annotations

from django import template

from parks.geo import city_map

register = template.Library()


@register.inclusion_tag("projects/_map_pick.html")
def map_picker():
    cmap = city_map()
    districts = [
        {"code": d.code, "name": d.name, "path": d.path, "lx": d.label[0], "ly": d.label[1], "park": False}
        for d in cmap.districts
    ]
    return {"cmap": cmap, "districts": districts, "dots": [], "park_marks": [], "show_parks": False}
