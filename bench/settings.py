"""The production settings for the load runs of `make bench` (bench/load.py, bench/chaos.py),
plus one URL: the bare `.values()` view of bench/api.py that the ceiling run measures
(`load_ceiling_ratio`). Never used outside the benchmarks."""

from config.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.api"
