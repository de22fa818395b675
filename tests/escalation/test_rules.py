"""The overdue definition of problems on hand-computed fixtures; Python, ORM and SQL agree."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from escalation import rules
from escalation.models import Problem

D = dt.date
S = SimpleNamespace(problem_red_after_days=8)


def p(deadline, handled_on=None):
    return SimpleNamespace(deadline=deadline, handled_on=handled_on)


@pytest.mark.parametrize(
    ("problem", "as_of", "days", "severity"),
    [
        (p(None), D(2026, 12, 2), None, None),  # no deadline: never overdue
        (p(D(2026, 12, 2)), D(2026, 12, 2), None, None),  # due today: not yet
        (p(D(2026, 12, 1)), D(2026, 12, 2), 1, "yellow"),
        (p(D(2026, 11, 25)), D(2026, 12, 2), 7, "yellow"),
        (p(D(2026, 11, 24)), D(2026, 12, 2), 8, "red"),
        # handled after D: overdue as of D (a past date), not as of the handling day
        (p(D(2026, 11, 1), D(2026, 11, 20)), D(2026, 11, 10), 9, "red"),
        (p(D(2026, 11, 1), D(2026, 11, 20)), D(2026, 11, 20), None, None),
        # handled on the deadline's next day: overdue only that day before
        (p(D(2026, 11, 1), D(2026, 11, 3)), D(2026, 11, 2), 1, "yellow"),
        # reassigned with a later deadline: as of now not overdue
        (p(D(2027, 1, 31)), D(2026, 12, 2), None, None),
    ],
)
def test_overdue_python(problem, as_of, days, severity):
    assert rules.days_overdue(problem, as_of) == days
    assert rules.severity(problem, as_of, S) == severity
    assert rules.is_overdue(problem, as_of) is (days is not None)


def test_days_left():
    assert rules.days_left(p(D(2026, 12, 12)), D(2026, 12, 2)) == 10
    assert rules.days_left(p(D(2026, 11, 30)), D(2026, 12, 2)) == -2
    assert rules.days_left(p(D(2026, 11, 30), D(2026, 12, 1)), D(2026, 12, 2)) is None
    assert rules.days_left(p(None), D(2026, 12, 2)) is None


dates = st.dates(min_value=D(2026, 1, 1), max_value=D(2026, 3, 31))


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(st.one_of(st.none(), dates), st.one_of(st.none(), dates)), max_size=8), as_of=dates)
def test_python_orm_sql_agree(esc, rows, as_of):
    Problem.objects.all().delete()
    made = []
    for deadline, handled in rows:
        raised = min(x for x in (deadline, handled, D(2026, 1, 1)) if x is not None)
        made.append(
            Problem.objects.create(
                project=esc.project_a,
                category="land",
                description="x",
                raised_on=raised,
                deadline=deadline,
                handled_on=handled,
            )
        )
    expected = {m.pk: (rules.days_overdue(m, as_of), rules.severity(m, as_of, S)) for m in made}
    expected = {k: v for k, v in expected.items() if v[0] is not None}
    orm = {
        r.pk: (r.d, r.s)
        for r in Problem.objects.filter(rules.overdue_q(as_of)).annotate(
            d=rules.days_overdue_expr(as_of), s=rules.severity_expr(as_of, S)
        )
    }
    assert orm == expected
    params = rules.sql_params(as_of, S)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT p.id, {rules.sql_days_overdue('p')}, {rules.sql_severity('p')} FROM escalation_problem p "
            f"WHERE {rules.sql_overdue('p')}",
            params,
        )
        sql = {row[0]: (row[1], row[2]) for row in cursor.fetchall()}
    assert sql == expected
