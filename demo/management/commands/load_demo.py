from django.core.management.base import BaseCommand, CommandError

from demo.synthetic import load_synthetic
from demo.writer import load_demo


class Command(BaseCommand):
    help = (
        "载入演示数据（可重复执行，结果不变）。Load the demo city from the articles (idempotent: a second "
        "run leaves exactly the same rows). With --projects N: instead, a synthetic city of N projects "
        "(owner 合成数据; 10 milestones, 36 monthly reports and 3 annual plans each) for the benchmarks, "
        "topped up to N, bulk-inserted in batches without history rows."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--projects",
            type=int,
            default=None,
            help="合成项目数量 / number of synthetic projects (benchmarks; no history rows)",
        )
        parser.add_argument("--batch-size", type=int, default=5000, help="projects per batch (synthetic data)")

    def handle(self, *args, projects=None, batch_size=5000, **options):
        if projects is None:
            load_demo(stdout=self.stdout)
            return
        if projects < 0 or batch_size < 1:
            raise CommandError("--projects 不能为负数，--batch-size 至少为 1 / --projects >= 0, --batch-size >= 1")
        load_synthetic(count=projects, batch_size=batch_size, stdout=self.stdout)
