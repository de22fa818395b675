"""Helpers for the scheduling tests: projects and milestones on a hand-computed calendar."""

import datetime as dt

import pytest

from projects.models import Project
from scheduling.models import DelayRecord
from tests import factories


@pytest.fixture
def make_project(city):
    def make(name="项目", *, park=None, industry=None, **kwargs):
        return factories.ProjectFactory(
            name=name, park=park or city.park_a, industry=industry or city.bio_drug, **kwargs
        )

    return make


@pytest.fixture
def make_milestone():
    """An `other` node (no ordering rule), so a test can place dates freely."""

    def make(project, planned, *, actual=None, name=None):
        return factories.MilestoneFactory(
            project=project, kind="other", name=name or f"节点{planned}", planned_date=planned, actual_date=actual
        )

    return make


def delay_rows():
    """Every delay record as a comparable tuple (the whole table's state)."""
    return sorted(
        DelayRecord.objects.values_list(
            "id",
            "milestone_id",
            "planned_date",
            "opened_on",
            "last_seen_on",
            "days_overdue",
            "severity",
            "closed_on",
            "close_reason",
        )
    )


def project_rows():
    return sorted(Project.objects.values_list("id", "status", "investment_status", "updated_at", "version"))


D = dt.date
