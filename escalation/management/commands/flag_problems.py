"""`manage.py flag_problems [--as-of YYYY-MM-DD]`: the same job as the Celery task."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from escalation.jobs import flag_problems
from scheduling.selectors import parse_as_of


class Command(BaseCommand):
    help = _("查找超过办结时限的督办问题，开启或关闭超期记录并提醒责任部门（默认今天，北京时间）。")

    def add_arguments(self, parser):
        parser.add_argument("--as-of", dest="as_of", help=_("检查日期 YYYY-MM-DD，默认今天"))

    def handle(self, *args, as_of=None, **options):
        try:
            day = parse_as_of(as_of)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        summary = flag_problems(as_of=day)
        self.stdout.write(
            _(
                "%(as_of)s：超期督办问题 %(overdue)s 个（红色 %(red)s，黄色 %(yellow)s）；"
                "新增超期记录 %(opened)s，关闭 %(closed)s；超期提醒 %(reminders)s 封。"
            )
            % summary
        )
