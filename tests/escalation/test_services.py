"""The steps: roles, statuses, input, dispatch numbers, history, the assignment mail."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from common.exceptions import Conflict
from escalation import services
from escalation.models import Problem, ProblemMail

D = dt.date


def raise_one(user, project, **kw):
    kw.setdefault("today", D(2026, 12, 2))
    kw.setdefault("raised_on", D(2026, 11, 20))
    return services.problem_raise(user=user, project=project, category="utilities", description="电力未接入", **kw)


def test_the_loop(esc, park_a_admin, commission_user, django_capture_on_commit_callbacks):
    p = raise_one(park_a_admin, esc.project_a)
    assert (p.status, p.dispatch_no, p.raised_by) == ("open", None, park_a_admin)
    with django_capture_on_commit_callbacks(execute=True):
        p = services.problem_assign(
            user=commission_user, problem=p, department="供电公司", deadline="2026-12-10", today=D(2026, 12, 2)
        )
    assert (p.status, p.department, p.deadline, p.dispatch_no) == ("assigned", esc.power, D(2026, 12, 10), "2026-0001")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["power@example.cn"]
    assert "2026-0001" in mail.outbox[0].subject
    p = services.problem_handle(user=park_a_admin, problem=p, note="已接电", today=D(2026, 12, 5))
    assert (p.status, p.handled_on, p.handling_note) == ("handled", D(2026, 12, 5), "已接电")
    p = services.problem_reopen(user=commission_user, problem=p, reason="未通电")
    assert (p.status, p.handled_on, p.reopen_reason) == ("assigned", None, "未通电")
    # reassigned to the same department: same number, no second mail
    with django_capture_on_commit_callbacks(execute=True):
        p = services.problem_assign(
            user=commission_user, problem=p, department=esc.power, deadline=D(2026, 12, 20), today=D(2026, 12, 6)
        )
    assert p.dispatch_no == "2026-0001" and len(mail.outbox) == 1
    assert ProblemMail.objects.filter(problem=p).count() == 1
    p = services.problem_handle(
        user=commission_user, problem=p, note="已通电", handled_on="2026-12-07", today=D(2026, 12, 8)
    )
    p = services.problem_confirm(user=commission_user, problem=p, today=D(2026, 12, 8))
    assert (p.status, p.confirmed_on, p.confirmed_by) == ("confirmed", D(2026, 12, 8), commission_user)
    history = list(p.history.order_by("history_id").values_list("status", "history_change_reason", "history_user"))
    assert [h[0] for h in history] == ["open", "assigned", "handled", "assigned", "assigned", "handled", "confirmed"]
    assert history[0][2] == park_a_admin.pk and history[1][2] == commission_user.pk
    assert history[1][1] == "交办"


def test_dispatch_numbers_in_sequence(esc, park_a_admin, commission_user):
    numbers = []
    for _ in range(3):
        p = raise_one(park_a_admin, esc.project_a)
        p = services.problem_assign(user=commission_user, problem=p, department="供电公司", deadline=D(2026, 12, 31))
        numbers.append(p.dispatch_no)
    assert numbers == ["2026-0001", "2026-0002", "2026-0003"]


def test_refusals_store_nothing(esc, park_a_admin, park_b_admin, viewer_user, commission_user):
    with pytest.raises(PermissionDenied):
        raise_one(park_b_admin, esc.project_a)
    with pytest.raises(PermissionDenied):
        raise_one(viewer_user, esc.project_a)
    with pytest.raises(ValidationError) as e:
        raise_one(park_a_admin, esc.project_a, raised_on=D(2026, 12, 3))
    assert "raised_on" in e.value.message_dict
    with pytest.raises(ValidationError) as e:
        services.problem_raise(user=park_a_admin, project=esc.project_a, category="land", description="  ")
    assert "description" in e.value.message_dict
    with pytest.raises(ValidationError) as e:
        services.problem_raise(user=park_a_admin, project=esc.project_a, category="weather", description="x")
    assert "category" in e.value.message_dict
    assert Problem.objects.count() == 0

    p = raise_one(park_a_admin, esc.project_a)
    with pytest.raises(PermissionDenied):
        services.problem_assign(user=park_a_admin, problem=p, department="供电公司", deadline=D(2026, 12, 31))
    for kwargs, field in [
        ({"department": "", "deadline": D(2026, 12, 31)}, "department"),
        ({"department": "不存在的局", "deadline": D(2026, 12, 31)}, "department"),
        ({"department": "供电公司", "deadline": None}, "deadline"),
        ({"department": "供电公司", "deadline": "2026-13-01"}, "deadline"),
        ({"department": "供电公司", "deadline": D(2026, 11, 19)}, "deadline"),
    ]:
        with pytest.raises(ValidationError) as e:
            services.problem_assign(user=commission_user, problem=p, **kwargs)
        assert field in e.value.message_dict
    with pytest.raises(Conflict) as e:
        services.problem_handle(user=park_a_admin, problem=p, note="x")
    assert "status" in e.value.message_dict
    with pytest.raises(Conflict):
        services.problem_confirm(user=commission_user, problem=p)
    p.refresh_from_db()
    assert (p.status, p.dispatch_no, p.department_id) == ("open", None, None)

    p = services.problem_assign(user=commission_user, problem=p, department="供电公司", deadline=D(2026, 12, 31))
    with pytest.raises(PermissionDenied):
        services.problem_handle(user=park_b_admin, problem=p, note="x")
    for kwargs, field in [
        ({"note": ""}, "note"),
        ({"note": "x", "handled_on": D(2026, 12, 3)}, "handled_on"),
        ({"note": "x", "handled_on": D(2026, 11, 19)}, "handled_on"),
    ]:
        with pytest.raises(ValidationError) as e:
            services.problem_handle(user=park_a_admin, problem=p, today=D(2026, 12, 2), **kwargs)
        assert field in e.value.message_dict
    p = services.problem_handle(user=park_a_admin, problem=p, note="x", today=D(2026, 12, 2))
    with pytest.raises(ValidationError) as e:
        services.problem_reopen(user=commission_user, problem=p, reason=" ")
    assert "reason" in e.value.message_dict
    with pytest.raises(PermissionDenied):
        services.problem_confirm(user=park_a_admin, problem=p)
    p.refresh_from_db()
    assert p.status == "handled"
