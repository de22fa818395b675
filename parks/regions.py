"""The shipped GB/T 2260 table (parks/data/gbt2260.json, written by scripts/regions_from_npm.py)
and the one function that brings the region table in line with it. The data migration calls it
with the historical model, `manage.py sync_regions` and `load_demo` with the real one."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent / "data" / "gbt2260.json"
BATCH_SIZE = 500  # rows per INSERT / UPDATE statement (well under SQLite's variable limit)


def shipped_regions(path: Path = DATA_FILE) -> list[tuple[str, str, str | None]]:
    """[(code, name, parent_code)] sorted by code; a parent always comes with its children."""
    return [tuple(row) for row in json.loads(path.read_text(encoding="utf-8"))["regions"]]


@dataclass
class SyncResult:
    created: int = 0
    updated: int = 0
    abolished: list[str] = field(default_factory=list)


def _depth(code: str, parents: dict[str, str | None]) -> int:
    depth = 0
    while (code := parents.get(code)) is not None:
        depth += 1
    return depth


def sync_regions(region_model, rows=None, *, abolish_missing: bool = True, batch_size: int = BATCH_SIZE):
    """Create the missing regions, correct name, parent and abolished flag of the others, and
    (with `abolish_missing`) mark abolished every region the rows no longer list. Never deletes.

    Statements: one read of (code, id, …) for the whole table, then per tree level one INSERT per
    batch and one read of the new ids; one UPDATE per batch of changed rows. Idempotent: a second
    run reads once and writes nothing."""
    rows = shipped_regions() if rows is None else rows
    source = {code: (name, parent) for code, name, parent in rows}
    parents = {code: parent for code, (_name, parent) in source.items()}
    existing = {r.code: r for r in region_model.objects.only("id", "code", "name", "parent_id", "abolished")}
    ids = {code: r.pk for code, r in existing.items()}
    result = SyncResult()

    by_depth: dict[int, list[str]] = {}
    for code in source.keys() - existing.keys():
        by_depth.setdefault(_depth(code, parents), []).append(code)
    for depth in sorted(by_depth):
        new = [
            region_model(code=code, name=source[code][0], parent_id=ids.get(source[code][1]))
            for code in sorted(by_depth[depth])
        ]
        region_model.objects.bulk_create(new, batch_size=batch_size)
        ids = dict(region_model.objects.values_list("code", "pk"))
        result.created += len(new)

    changed = []
    for code, region in existing.items():
        if code in source:
            name, parent = source[code]
            wanted = (name, ids.get(parent), False)
        else:
            wanted = (region.name, region.parent_id, region.abolished or abolish_missing)
        if (region.name, region.parent_id, region.abolished) != wanted:
            if wanted[2] and not region.abolished:
                result.abolished.append(code)
            region.name, region.parent_id, region.abolished = wanted
            changed.append(region)
    region_model.objects.bulk_update(changed, ["name", "parent", "abolished"], batch_size=batch_size)
    result.updated = len(changed)
    result.abolished.sort()
    return result
