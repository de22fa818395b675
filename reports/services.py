"""Writes of the weekly delay report: generate (exactly once per ISO week) and deliver.

`weekly_delay_report_run` is what the management command and the Celery task both call:

1. Parse the week ('YYYY-Www'; default the current week in Asia/Shanghai); as_of = its Monday.
   Delete the files of earlier runs of that week that died before committing (no row
   points to them).
2. If the report of that week exists and `force` is false, generate nothing: only send the
   mails of the current revision that are still pending (this completes a run that committed
   the report but died before mailing) and return.
3. Otherwise read everything (reports.selectors) and render the city report and each park's
   section (XLSX, PDF, HTML) in memory, outside any transaction.
4. In one transaction: lock the week's row, save the files under
   MEDIA_ROOT/weekly/<week>/r<revision>-<random>/, write the report row (a forced run records the
   replaced revision in WeeklyReportRevision and bumps `revision`), its sections and one
   pending ReportDelivery per subscriber. If anything fails before the commit, the files just
   written are deleted: no row, no file, no mail. A concurrent first run loses on the unique
   week and behaves as in step 2.
5. After the commit (transaction.on_commit), send the pending mails: claim them with
   SELECT … FOR UPDATE SKIP LOCKED + status update, send, then record sent/failed. A delivery
   is unique per (report, revision, recipient) and is sent only by the run that claimed it,
   so no one is mailed twice for a revision."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.db_router import replica_reads
from parks.access import report_recipients, report_section_park_ids
from scheduling.models import SchedulingSettings

from .models import DeliveryStatus, ReportDelivery, WeeklyReport, WeeklyReportRevision, WeeklyReportSection
from .rendering import render_html, render_pdf, render_xlsx, title_of
from .selectors import ReportData, parse_week, week_of, weekly_report_data

logger = logging.getLogger(__name__)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class RunResult:
    report: WeeklyReport
    created: bool  # a new report or a new revision was written
    sent: int  # mails sent by this run


@dataclass
class Rendered:
    xlsx: bytes
    pdf: bytes
    html: bytes
    summary: dict


def render_all(data: ReportData, *, generated_at: dt.datetime) -> Rendered:
    return Rendered(
        xlsx=render_xlsx(data, generated_at=generated_at),
        pdf=render_pdf(data, generated_at=generated_at),
        html=render_html(data, generated_at=generated_at, compact=False).encode(),
        summary=data.summary(),
    )


def _file_name(folder: str, week: str, ext: str, park_code: str | None = None) -> str:
    suffix = f"-{park_code}" if park_code else ""
    return f"{folder}/weekly-delay-report-{week}{suffix}.{ext}"


def _run_folder(week: str, revision: int) -> str:
    """Each run writes into a folder of its own (weekly/<week>/r<revision>-<random>/), so two
    concurrent runs never touch each other's files and a dead run's files are recognisable."""
    return f"weekly/{week}/r{revision}-{secrets.token_hex(4)}"


def _write_files(saved: list[str], folder: str, week: str, rendered: Rendered, park_code=None) -> dict[str, str]:
    names = {}
    for ext in ("xlsx", "pdf", "html"):
        name = default_storage.save(_file_name(folder, week, ext, park_code), ContentFile(getattr(rendered, ext)))
        saved.append(name)
        names[ext] = name
    return names


def _create_deliveries(report: WeeklyReport) -> int:
    rows = [
        ReportDelivery(report=report, revision=report.revision, recipient=user, email=user.email, park_id=park_id)
        for user, park_id in report_recipients(report.sections.values_list("park_id", flat=True))
    ]
    ReportDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def _next_revision(report: WeeklyReport | None, *, week: str, as_of: dt.date, replaced_at: dt.datetime) -> WeeklyReport:
    """The unsaved row to write: revision 1 of a new week, or the next one (the replaced one recorded)."""
    if report is None:
        return WeeklyReport(week=week, as_of=as_of, revision=1)
    WeeklyReportRevision.objects.create(
        report=report,
        revision=report.revision,
        generated_at=report.generated_at,
        replaced_at=replaced_at,
        xlsx=report.xlsx.name,
        pdf=report.pdf.name,
        summary=report.summary,
    )
    report.sections.all().delete()
    report.revision += 1
    report.as_of = as_of
    return report


def _write_sections(
    report: WeeklyReport, saved: list[str], folder: str, sections: dict[int, Rendered], parks: dict[int, dict]
) -> None:
    """Each park's files and its WeeklyReportSection row (one bulk insert), into the run's folder."""
    section_rows = []
    for pk, rendered in sections.items():
        names = _write_files(saved, folder, report.week, rendered, parks[pk]["code"])
        section_rows.append(
            WeeklyReportSection(
                report=report,
                park_id=pk,
                xlsx=names["xlsx"],
                pdf=names["pdf"],
                html=names["html"],
                summary=rendered.summary,
            )
        )
    WeeklyReportSection.objects.bulk_create(section_rows)


def weekly_report_generate(*, week: str, as_of: dt.date, force: bool = False) -> tuple[WeeklyReport, bool]:
    """Steps 3 and 4 of the module docstring. Returns (report, created)."""
    generated_at = timezone.now()
    with replica_reads():  # read-only: the replica when there is one (README "Read replica")
        data = weekly_report_data(week=week, as_of=as_of)
    city = render_all(data, generated_at=generated_at)
    park_ids = report_section_park_ids()
    sections = {pk: render_all(data.section(pk), generated_at=generated_at) for pk in park_ids}

    saved: list[str] = []
    try:
        with transaction.atomic():
            report = WeeklyReport.objects.select_for_update().filter(week=week).first()
            if report is not None and not force:
                # Another run committed this week while we were rendering.
                _delete(saved)
                return report, False
            report = _next_revision(report, week=week, as_of=as_of, replaced_at=generated_at)
            folder = _run_folder(week, report.revision)
            names = _write_files(saved, folder, week, city)
            report.xlsx, report.pdf, report.html = names["xlsx"], names["pdf"], names["html"]
            report.generated_at = generated_at
            report.summary = city.summary
            report.save()
            _write_sections(report, saved, folder, sections, data.parks)
            _create_deliveries(report)
    except IntegrityError:
        # A concurrent first run inserted the week first: its report stands, ours is dropped.
        _delete(saved)
        existing = WeeklyReport.objects.filter(week=week).first()
        if existing is None:
            raise
        return existing, False
    except BaseException:
        _delete(saved)
        raise
    return report, True


ORPHAN_AGE = dt.timedelta(hours=6)


def orphan_files_delete(*, week: str, now: dt.datetime | None = None) -> list[str]:
    """Delete the files of runs of `week` that never committed (a process killed between
    writing its files and committing: no exception handler ran). A run folder is an orphan
    when no report, section or revision record points into it and its files are older than
    ORPHAN_AGE (so a run still rendering or committing right now is left alone)."""
    now = now or timezone.now()
    root = f"weekly/{week}"
    try:
        folders, _files = default_storage.listdir(root)
    except (FileNotFoundError, NotImplementedError):
        return []
    referenced = set()
    for name in (
        *WeeklyReport.objects.filter(week=week).values_list("xlsx", flat=True),
        *WeeklyReportSection.objects.filter(report__week=week).values_list("xlsx", flat=True),
        *WeeklyReportRevision.objects.filter(report__week=week).values_list("xlsx", flat=True),
    ):
        referenced.add(name.rsplit("/", 1)[0])
    deleted = []
    for folder in folders:
        path = f"{root}/{folder}"
        if path in referenced:
            continue
        _sub, files = default_storage.listdir(path)
        names = [f"{path}/{f}" for f in files]
        if any(now - default_storage.get_modified_time(n) < ORPHAN_AGE for n in names):
            continue
        for n in names:
            default_storage.delete(n)
            deleted.append(n)
        with contextlib.suppress(OSError):
            default_storage.delete(path)  # the empty folder (FileSystemStorage removes it)
    if deleted:
        logger.warning("weekly report %s: deleted %d files of runs that never committed", week, len(deleted))
    return deleted


def _delete(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:  # pragma: no cover - best effort on a rollback path
            logger.exception("could not delete %s", name)
    names.clear()


def _claim(report: WeeklyReport) -> list[int]:
    """Mark the pending deliveries of the current revision as being sent by this run and
    return their ids; rows another run holds are skipped, never sent twice."""
    with transaction.atomic():
        qs = ReportDelivery.objects.filter(report=report, revision=report.revision, status=DeliveryStatus.PENDING)
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True)
        ids = list(qs.values_list("pk", flat=True))
        if ids:
            ReportDelivery.objects.filter(pk__in=ids, status=DeliveryStatus.PENDING).update(
                status=DeliveryStatus.SENDING
            )
    return ids


def _read(name: str) -> bytes:
    with default_storage.open(name, "rb") as fh:
        return fh.read()


def deliveries_send(*, report_id: int) -> int:
    """Send the claimed mails of the report's current revision. Returns how many were sent."""
    report = WeeklyReport.objects.get(pk=report_id)
    ids = _claim(report)
    if not ids:
        return 0
    deliveries = list(ReportDelivery.objects.filter(pk__in=ids).select_related("park"))
    sections = {s.park_id: s for s in report.sections.all()}
    files: dict[str, bytes] = {}

    def attachment(name: str) -> bytes:
        if name not in files:
            files[name] = _read(name)
        return files[name]

    # The window the report was computed with (reports stored before it was recorded: today's).
    due_soon_days = report.summary.get("due_soon_days")
    if due_soon_days is None:
        due_soon_days = SchedulingSettings.load().due_soon_days
    sent, failed = [], {}
    mail = get_connection()
    for delivery in deliveries:
        try:
            if delivery.park_id is None:
                source, summary, scope = report, report.summary, _("全市")
            else:
                source = sections[delivery.park_id]
                summary, scope = source.summary, delivery.park.name
            subject = _("【每周滞后项目通报】%(week)s %(scope)s") % {"week": report.week, "scope": scope}
            base = _("每周滞后项目通报-%(week)s-%(scope)s") % {"week": report.week, "scope": scope}
            message = EmailMessage(
                subject=subject,
                body=mail_body(report, summary, due_soon_days=due_soon_days),
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[delivery.email],
                connection=mail,
            )
            message.attach(f"{base}.xlsx", attachment(source.xlsx.name), XLSX_TYPE)
            message.attach(f"{base}.pdf", attachment(source.pdf.name), "application/pdf")
            message.send()
            sent.append(delivery.pk)
        except Exception as exc:  # one bad address or park must not stop the others
            logger.exception("weekly report %s: mail to %s failed", report.week, delivery.email)
            failed[delivery.pk] = str(exc)[:2000]
    now = timezone.now()
    if sent:
        ReportDelivery.objects.filter(pk__in=sent).update(status=DeliveryStatus.SENT, sent_at=now, error="")
    if failed:
        # A failed send raised before anything left: it is safe to try it again next run.
        for pk, error in failed.items():
            ReportDelivery.objects.filter(pk=pk).update(status=DeliveryStatus.PENDING, error=error)
    return len(sent)


def mail_body(report: WeeklyReport, summary: dict, *, due_soon_days: int) -> str:
    lines = [
        _("各位领导、各园区："),
        "",
        _("现将%(scope)s %(week)s（截至 %(as_of)s）重点项目节点滞后情况通报如下，详见附件。")
        % {"scope": summary.get("scope", ""), "week": report.week, "as_of": report.as_of.isoformat()},
        "",
        _("滞后节点 %(n)s 个（红色 %(red)s 个，黄色 %(yellow)s 个），涉及项目 %(p)s 个。")
        % {
            "n": summary.get("milestones", 0),
            "red": summary.get("milestones_red", 0),
            "yellow": summary.get("milestones_yellow", 0),
            "p": summary.get("projects", 0),
        },
        _("本周新增滞后 %(new)s 个，销号 %(resolved)s 个；未来%(days)s天到期节点 %(due)s 个；投资滞后项目 %(lag)s 个。")
        % {
            "days": due_soon_days,
            "new": summary.get("newly_delayed", 0),
            "resolved": summary.get("resolved", 0),
            "due": summary.get("due_soon", 0),
            "lag": summary.get("investment_lagging", 0),
        },
        *(
            [
                _("上月月报未报 %(missing)s 个、退回待改 %(returned)s 个，名单见附件“月报未报与退回”。")
                % {"missing": summary["reports_missing"], "returned": summary["reports_returned"]}
            ]
            if summary.get("reports_missing") or summary.get("reports_returned")
            else []
        ),
        "",
        _("（本邮件由重点项目挂图作战系统自动发送，第 %(rev)s 版。）") % {"rev": report.revision},
    ]
    return "\n".join(lines)


def weekly_delay_report_run(*, week: str | None = None, force: bool = False) -> RunResult:
    """What `manage.py weekly_delay_report` and the Celery task do (module docstring)."""
    week, as_of = parse_week(week or week_of(timezone.localdate()))
    orphan_files_delete(week=week)
    existing = WeeklyReport.objects.filter(week=week).first()
    if existing is not None and not force:
        return RunResult(report=existing, created=False, sent=deliveries_send(report_id=existing.pk))
    report, created = weekly_report_generate(week=week, as_of=as_of, force=force)
    outcome = RunResult(report=report, created=created, sent=0)

    def send():
        outcome.sent = deliveries_send(report_id=report.pk)

    transaction.on_commit(send)
    return outcome


__all__ = ["weekly_delay_report_run", "weekly_report_generate", "deliveries_send", "title_of"]
