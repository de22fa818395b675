"""`manage.py flag_delays [--as-of YYYY-MM-DD]`: the same job as the Celery task."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from scheduling import services
from scheduling.selectors import parse_as_of


class Command(BaseCommand):
    help = _("查找逾期和临期节点，更新滞后记录、项目节点状态和投资状态（默认今天，北京时间）。")

    def add_arguments(self, parser):
        parser.add_argument("--as-of", dest="as_of", help=_("检查日期 YYYY-MM-DD，默认今天"))

    def handle(self, *args, as_of=None, **options):
        try:
            day = parse_as_of(as_of)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        summary = services.flag_delays(as_of=day)
        self.stdout.write(
            _(
                "%(as_of)s：逾期 %(overdue)s 个（红色 %(red)s，黄色 %(yellow)s），临期 %(due_soon)s 个；"
                "新增滞后记录 %(opened)s，更新 %(updated)s，关闭 %(closed)s；"
                "项目状态变化 %(projects_status_changed)s，投资状态变化 %(projects_investment_status_changed)s。"
            )
            % summary
        )
