import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from parks.models import Region
from parks.regions import DATA_FILE, shipped_regions, sync_regions


class Command(BaseCommand):
    help = (
        "按随产品发布的 GB/T 2260 表更新行政区划（新增、更正名称和上级，已不在表中的代码标记为已撤销，从不删除）。"
        " Bring the regions in line with the shipped GB/T 2260 table (add, correct, mark abolished; never delete)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--file", type=Path, default=DATA_FILE, help="gbt2260.json (default: the shipped one)")
        parser.add_argument(
            "--keep-unlisted",
            action="store_true",
            help="不标记表中没有的代码 / leave codes missing from the file alone",
        )

    @transaction.atomic
    def handle(self, *args, file, keep_unlisted=False, **options):
        try:
            rows = shipped_regions(file)
        except (OSError, ValueError, KeyError) as error:
            raise CommandError(f"{file}: {error}")
        source = json.loads(file.read_text(encoding="utf-8")).get("source", file.name)
        result = sync_regions(Region, rows, abolish_missing=not keep_unlisted)
        self.stdout.write(
            f"{source}: {len(rows)} regions; created {result.created}, updated {result.updated}, "
            f"newly abolished {len(result.abolished)}{': ' + ' '.join(result.abolished) if result.abolished else ''}"
        )
