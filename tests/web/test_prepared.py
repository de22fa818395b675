"""common.prepared: a read compiled once gives what its queryset gives, argument by argument."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext

from common.prepared import Prepared, related_to
from escalation.models import Department, Problem
from projects.models import InvestmentReport
from scheduling.models import Milestone
from tests import factories

pytestmark = pytest.mark.django_db


def _milestones(pk):
    return Milestone.objects.filter(project_id=pk).order_by("planned_date", "sequence", "id")


def _report_rows(pk):
    return InvestmentReport.objects.filter(project_id=pk).order_by("period").values("period", "amount", "status")


def _problems(pk):
    return Problem.objects.filter(project_id=pk).select_related("department").order_by("deadline", "pk")


def _two_projects():
    one, two = factories.ProjectFactory(), factories.ProjectFactory()
    for project, days in ((one, (3, 1, 2)), (two, (5,))):
        for d in days:
            factories.MilestoneFactory(project=project, planned_date=dt.date(2026, 5, d))
    factories.ReportFactory(project=one, period=dt.date(2026, 3, 1), amount=Decimal("12.34"))
    factories.ReportFactory(project=one, period=dt.date(2026, 1, 1), amount=Decimal("0.01"))
    factories.ReportFactory(project=two, period=dt.date(2026, 2, 1), amount=Decimal("99999999.99"))
    return one, two


def test_rows_are_the_querysets_for_every_argument():
    one, two = _two_projects()
    milestones, reports = Prepared(_milestones), Prepared(_report_rows)
    for project in (one, two, one):
        got = milestones(project.pk)
        want = list(_milestones(project.pk))
        assert [(m.pk, m.planned_date, m.kind, m.project_id) for m in got] == [
            (m.pk, m.planned_date, m.kind, m.project_id) for m in want
        ]
        assert all(not m._state.adding and m._state.db == "default" for m in got)
        assert reports(project.pk) == list(_report_rows(project.pk))
    assert [r["amount"] for r in reports(one.pk)] == [Decimal("0.01"), Decimal("12.34")]
    assert isinstance(reports(two.pk)[0]["period"], dt.date)
    assert reports(10**9) == []


def test_select_related_rows_come_with_their_relation_and_no_statement_more():
    project = factories.ProjectFactory()
    department = Department.objects.create(name="市住建局")
    raised = dt.date(2026, 5, 1)
    Problem.objects.create(
        project=project, category="land", description="用地未落实", department=department, raised_on=raised
    )
    Problem.objects.create(project=project, category="funds", description="资金缺口", raised_on=raised)
    problems = Prepared(_problems)
    with CaptureQueriesContext(connection) as ctx:
        got = related_to(project, "project", problems(project.pk))
        names = [p.department.name if p.department else None for p in got]
        owners = {p.project.pk for p in got}
    assert len(ctx.captured_queries) == 1
    assert sorted(names, key=str) == sorted(["市住建局", None], key=str)
    assert {p.description for p in got} == {"用地未落实", "资金缺口"}
    assert owners == {project.pk}


def test_compiled_once(monkeypatch):
    one, two = _two_projects()
    milestones = Prepared(_milestones)
    milestones(one.pk)
    compiled = []
    original = SQLCompiler.as_sql
    monkeypatch.setattr(SQLCompiler, "as_sql", lambda self, *a, **k: compiled.append(1) or original(self, *a, **k))
    assert [m.project_id for m in milestones(two.pk)] == [two.pk]
    assert len(milestones(one.pk)) == 3
    assert compiled == []


@pytest.mark.parametrize(
    "build",
    [
        lambda pk: Milestone.objects.filter(project_id=pk) | Milestone.objects.filter(project_id=pk),  # twice
        lambda pk: Milestone.objects.all(),  # not at all
    ],
)
def test_an_argument_must_be_exactly_one_parameter(build):
    with pytest.raises(ValueError, match="argument 0"):
        Prepared(build)(1)


def test_a_text_argument_gives_the_querysets_rows():
    """`text=`: a string argument (an API token's key) with its related user, per key."""
    from rest_framework.authtoken.models import Token

    tokens = [Token.objects.create(user=factories.UserFactory()) for _ in range(2)]
    read = Prepared(lambda key: Token.objects.select_related("user").filter(key=key), text=(0,))
    for token in (*tokens, tokens[0]):
        with CaptureQueriesContext(connection) as queries:
            (got,) = read(token.key)
            assert (got.key, got.user.pk, got.user.username) == (token.key, token.user.pk, token.user.username)
        assert len(queries) == 1  # the user came with the token
    assert read("x" * 40) == []
    assert read("' OR 1=1 --") == []  # a parameter, never SQL
    with pytest.raises(ValueError, match="argument 0"):
        Prepared(lambda key: Token.objects.filter(key=key) | Token.objects.filter(key=key), text=(0,))("k")
