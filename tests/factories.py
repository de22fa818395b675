"""factory_boy factories and a small fixed city for tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import factory

from parks.models import Industry, Park, Region, User
from projects.models import AnnualPlan, InvestmentReport, Project
from scheduling.models import Milestone

PASSWORD = "pw-for-tests-1"


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"{130100 + n:06d}")
    name = factory.Sequence(lambda n: f"区{n}")


class IndustryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Industry
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"IND{n}")
    name = factory.Sequence(lambda n: f"产业{n}")


class ParkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Park
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"PARK{n}")
    name = factory.Sequence(lambda n: f"园区{n}")
    region = factory.SubFactory(RegionFactory)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = "viewer"
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.gov.cn")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    name = factory.Sequence(lambda n: f"测试项目{n}")
    owner = "测试建设单位有限公司"
    park = factory.SubFactory(ParkFactory)
    industry = factory.SubFactory(IndustryFactory)
    level = "municipal"
    year = 2026
    stage = "under_construction"
    total_investment = Decimal("10000.00")


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Milestone

    project = factory.SubFactory(ProjectFactory)
    kind = "construction_start"
    planned_date = dt.date(2026, 6, 1)


class AnnualPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AnnualPlan

    project = factory.SubFactory(ProjectFactory)
    year = 2026
    planned_investment = Decimal("1200.00")


class ReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InvestmentReport

    project = factory.SubFactory(ProjectFactory)
    period = dt.date(2026, 1, 1)
    amount = Decimal("100.00")
    progress = "主体施工"


def make_city() -> SimpleNamespace:
    """石家庄 with two parks: A = 高新区 (sub-park 国际生物医药园), B = 鹿泉经济开发区.
    Industries: 生物医药 (BIO) → 创新生物药 (BIO-DRUG); 新一代电子信息 (EI) → 集成电路 (EI-IC)."""
    city_region = RegionFactory(code="130100", name="石家庄市")
    hi_tech = RegionFactory(code="130171", name="高新区", parent=city_region)
    luquan = RegionFactory(code="130110", name="鹿泉区", parent=city_region)
    park_a = ParkFactory(code="GXQ", name="石家庄高新区", region=hi_tech)
    park_a_sub = ParkFactory(code="GXQ-BIO", name="国际生物医药园", region=hi_tech, parent=park_a)
    park_b = ParkFactory(code="LQ", name="鹿泉经济开发区", region=luquan)
    bio = IndustryFactory(code="BIO", name="生物医药", gbt_code="C27")
    bio_drug = IndustryFactory(code="BIO-DRUG", name="创新生物药", parent=bio)
    ei = IndustryFactory(code="EI", name="新一代电子信息", gbt_code="C39")
    ei_ic = IndustryFactory(code="EI-IC", name="集成电路", parent=ei)
    return SimpleNamespace(
        region=city_region,
        park_a=park_a,
        park_a_sub=park_a_sub,
        park_b=park_b,
        bio=bio,
        bio_drug=bio_drug,
        ei=ei,
        ei_ic=ei_ic,
    )
