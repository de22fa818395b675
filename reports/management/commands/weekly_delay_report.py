"""`python manage.py weekly_delay_report [--week YYYY-Www] [--force]` (the Celery task
`reports.tasks.weekly_delay_report` does exactly the same)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from reports.selectors import WeekError
from reports.services import weekly_delay_report_run


class Command(BaseCommand):
    help = "生成并发送每周滞后项目通报（截至该 ISO 周的周一）；同一周只生成、发送一次，--force 重新生成并重发。"

    def add_arguments(self, parser):
        parser.add_argument("--week", help="ISO 周，如 2026-W03；默认为当前周（北京时间）")
        parser.add_argument("--force", action="store_true", help="重新生成（替换文件、版本号加一）并再次发送")

    def handle(self, *args, week=None, force=False, **options):
        try:
            result = weekly_delay_report_run(week=week, force=force)
        except WeekError as exc:
            raise CommandError(str(exc))
        report = result.report
        if result.created:
            msg = _("已生成 %(week)s 每周滞后项目通报（第 %(rev)s 版，截至 %(as_of)s），发送邮件 %(sent)s 封。")
        else:
            msg = _("%(week)s 每周滞后项目通报已存在（第 %(rev)s 版），未重新生成；补发待发送邮件 %(sent)s 封。")
        self.stdout.write(
            msg % {"week": report.week, "rev": report.revision, "as_of": report.as_of.isoformat(), "sent": result.sent}
        )
