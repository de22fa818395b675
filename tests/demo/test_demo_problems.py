"""`load_demo` gives the 督办 page content: four departments with .gov.cn addresses and five
problems on flagship projects (open, assigned, one overdue, one handled) with gap-free dispatch
numbers; a second run writes nothing new and sends no mail."""

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command

from escalation.models import Department, Problem, ProblemMail
from parks.models import User

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
DAY = dt.date(2026, 12, 2)


def rows():
    return list(
        Problem.objects.order_by("pk").values_list(
            "pk", "project__name", "status", "department__name", "deadline", "dispatch_no"
        )
    )


def test_demo_problems_and_departments_once(client):
    call_command("load_demo", today=DAY)
    assert dict(Department.objects.values_list("name", "email")) == {
        "自然资源和规划局": "zrzyj@sjz.example.gov.cn",
        "住建局": "zjj@sjz.example.gov.cn",
        "供电公司": "gdgs@sjz.example.gov.cn",
        "行政审批局": "xzspj@sjz.example.gov.cn",
    }
    first = rows()
    assert [r[1:] for r in first] == [
        ("晶澳太阳能项目（二期）", "assigned", "供电公司", dt.date(2026, 11, 22), "2026-0001"),
        ("森朗生物细胞治疗产品商业化生产基地项目", "assigned", "行政审批局", dt.date(2026, 12, 7), "2026-0002"),
        ("康誉医疗介入类医用高值耗材产业园项目", "open", None, None, None),
        ("石药巨石生物抗体二期项目", "handled", "住建局", dt.date(2026, 12, 12), "2026-0003"),
        ("药明生物石家庄生物药生产基地项目", "assigned", "自然资源和规划局", dt.date(2026, 12, 22), "2026-0004"),
    ]
    assert ProblemMail.objects.count() == 0 and mail.outbox == []

    call_command("load_demo", today=DAY)
    assert rows() == first and Department.objects.count() == 4

    client.force_login(User.objects.get(username="commission"))
    page = client.get("/problems/").content.decode()
    assert "2026-0001" in page and "晶澳太阳能项目（二期）" in page and "供电公司" in page
