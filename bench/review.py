"""The review page (月报审核) benchmark: server time and SQL statements of `/review/` for the
commission on the bench database, the month now due, every park (the median of 3 requests
after one warm-up). Goal at 100k projects: ≤ 100 ms, statements constant (the tests in
tests/web/test_review.py assert it at 10 and 200 reports).

The synthetic city's reports are all `submitted`, so the page lists a full first page of the
city's submitted reports with their previous month (the amount-jump subquery)."""

from __future__ import annotations


def run(ctx) -> None:
    from django.utils import timezone

    from bench.web import _client, _measure
    from parks.models import Role, User
    from projects.models import InvestmentReport
    from projects.rules import period_now_due

    commission, _ = User.objects.get_or_create(username="bench-web-commission", defaults={"role": Role.COMMISSION})
    period = period_now_due(timezone.localdate())
    latest = InvestmentReport.objects.order_by("-period").values_list("period", flat=True).first()
    if latest is not None and latest < period:
        period = latest  # the bench city's data may end earlier: review its last month
    url = f"/review/?period={period:%Y-%m}"
    seconds, statements = _measure(_client(commission), url)
    submitted = InvestmentReport.objects.filter(period=period, status="submitted").count()
    print(
        f"review_page: {seconds * 1000:.1f} ms (commission, {ctx.projects} projects, "
        f"{submitted} submitted reports in {period:%Y-%m}, {statements} SQL statements)"
    )
    seconds, statements = _measure(_client(commission), f"{url}&jumps=1")
    print(f"review_page_jumps: {seconds * 1000:.1f} ms (amount jumps only, {statements} SQL statements)")
