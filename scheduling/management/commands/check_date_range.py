"""`manage.py check_date_range`: list the rows whose dates lie outside the one date range
(settings.DATE_MIN … DATE_MAX, common.dates), stored before the validators existed. Nothing is
changed: the operator asks the park for the real date and corrects each row (admin or card);
the command exits with an error while any row is left, so a deploy script can run it."""

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils.translation import gettext as _

from common.dates import date_range
from projects.models import Project
from scheduling.models import Holiday, Milestone

# (model, the date fields people enter) — the fields with common.dates.validate_date_in_range.
CHECKED = [
    (Milestone, ["planned_date", "baseline_date", "actual_date"]),
    (Project, ["target_date"]),
    (Holiday, ["date"]),
]


class Command(BaseCommand):
    help = _("列出日期超出允许范围的记录（不做任何修改）。")

    def handle(self, *args, **options):
        first, last = date_range()
        found = 0
        for model, fields in CHECKED:
            outside = Q()
            for name in fields:
                outside |= Q(**{f"{name}__lt": first}) | Q(**{f"{name}__gt": last})
            for row in model.objects.filter(outside).values("pk", *fields).order_by("pk"):
                found += 1
                values = ", ".join(f"{name}={row[name]}" for name in fields if row[name])
                self.stdout.write(f"{model._meta.label} #{row['pk']}: {values}")
        if found:
            raise CommandError(
                _("%(count)s 条记录的日期超出 %(first)s 至 %(last)s，请逐条核实后更正。")
                % {"count": found, "first": first.isoformat(), "last": last.isoformat()}
            )
        self.stdout.write(_("所有日期均在 %(first)s 至 %(last)s 之内。") % {"first": first, "last": last})
