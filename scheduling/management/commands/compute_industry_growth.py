"""`manage.py compute_industry_growth [--period YYYY-MM]`: the same job as the Celery task."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from scheduling import services
from scheduling.selectors import parse_period


class Command(BaseCommand):
    help = _("计算并保存某报告期的分产业投资增速快照（默认上一个完整月份）。")

    def add_arguments(self, parser):
        parser.add_argument("--period", help=_("报告期 YYYY-MM，默认上一个完整月份"))

    def handle(self, *args, period=None, **options):
        try:
            month = parse_period(period)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        snapshot = services.compute_industry_growth(period=month)
        growth = "—" if snapshot.growth_pct is None else f"{snapshot.growth_pct}%"
        self.stdout.write(
            _("%(period)s：全市本年累计完成投资 %(ytd)s 万元，上年同期 %(prior)s 万元，增速 %(growth)s。")
            % {"period": f"{snapshot.period:%Y-%m}", "ytd": snapshot.ytd, "prior": snapshot.prior_ytd, "growth": growth}
        )
