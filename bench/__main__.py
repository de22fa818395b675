"""`make bench`: one line per figure, `name: value unit (detail)`.

Runs on PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/keyproj_bench)
against a synthetic city of BENCH_PROJECTS projects (default 100000), loaded once with
`load_demo --projects N` and reused while it is there. Each module below exposes
`run(ctx) -> None` and prints its own lines; ratios are measured in the same run."""

from __future__ import annotations

import importlib
import os
import sys
import time

MODULES = [
    "bench.scheduling",
    "bench.api",
    "bench.web",
    "bench.review",
    "bench.reporting",
    "bench.reports",
    "bench.escalation",
    "bench.load",
]
# Run only when named (`make bench BENCH_ARGS=chaos`): it starts a replica, kills a worker and
# restarts Redis, which a plain benchmark run should not do to the machine.
ON_REQUEST = ["bench.chaos"]


def main(argv: list[str]) -> int:
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/keyproj_bench")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ.setdefault("DJANGO_DEBUG", "false")
    from bench import common

    ctx = common.prepare()
    only = [a for a in argv if not a.startswith("-")]
    for name in MODULES + ON_REQUEST:
        if name in ON_REQUEST and name.split(".")[-1] not in only:
            continue
        if only and name.split(".")[-1] not in only:
            continue
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        started = time.perf_counter()
        module.run(ctx)
        print(f"# {name} took {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
