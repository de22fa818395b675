"""`python manage.py remind_missing_reports [--as-of YYYY-MM-DD]` (the Celery task
`reports.tasks.remind_missing_reports` does exactly the same)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from common.dates import parse_date
from reports.reminders import remind_missing_reports


class Command(BaseCommand):
    help = "月报催报：截止日前3天、当天及此后每3天（至关账为止）向未报园区管理员和发改委发送催报邮件；每园区每月每个节点只发一次。"

    def add_arguments(self, parser):
        parser.add_argument("--as-of", dest="as_of", help="日期 YYYY-MM-DD；默认今天（北京时间）")

    def handle(self, *args, as_of=None, **options):
        day = None
        if as_of:
            try:
                day = parse_date(as_of)
            except ValueError as exc:
                raise CommandError(f"--as-of: {exc}")
        result = remind_missing_reports(as_of=day)
        values = {"period": f"{result.period:%Y-%m}", "due": result.due_date.isoformat()}
        if result.step is None:
            self.stdout.write(_("%(period)s 月报截止日 %(due)s：今天不是催报节点，未发送。") % values)
        elif result.closed:
            self.stdout.write(_("%(period)s 已关账，不再催报。") % values)
        else:
            values.update(step=f"{result.step:+d}", created=result.created, sent=result.sent)
            self.stdout.write(
                _(
                    "%(period)s 月报催报（截止日 %(due)s，节点 %(step)s 天）：新建 %(created)s 条，发送邮件 %(sent)s 封。"
                )
                % values
            )
