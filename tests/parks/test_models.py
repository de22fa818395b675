"""Parks, regions and users: validation messages and the database rules behind them."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from parks.models import Park, Region, User


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["13011", "1301100", "13011A"])
def test_region_code_must_be_six_digits(code):
    with pytest.raises(ValidationError) as exc:
        Region(code=code, name="鹿泉区").full_clean()
    assert "行政区划代码应为6位数字（GB/T 2260）。" in exc.value.message_dict["code"]


@pytest.mark.django_db
def test_park_area_cannot_be_negative(city):
    park = Park(code="NEW", name="新园区", region=city.region, area_mu=Decimal("-1"))
    with pytest.raises(ValidationError) as exc:
        park.full_clean()
    assert exc.value.message_dict["area_mu"] == ["确保该值大于或等于0。"]
    with pytest.raises(IntegrityError), transaction.atomic():
        Park.objects.filter(pk=city.park_a.pk).update(area_mu=Decimal("-1"))


@pytest.mark.django_db
def test_park_admin_needs_a_park(city):
    user = User(username="wang", role="park_admin")
    with pytest.raises(ValidationError) as exc:
        user.full_clean(exclude=["password"])
    assert exc.value.message_dict["park"] == ["园区管理员必须指定所属园区。"]
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="wang", role="park_admin")
    assert not User.objects.filter(username="wang").exists()


@pytest.mark.django_db
def test_park_admin_administers_its_park_and_sub_parks(city, park_a_admin, commission_user):
    assert park_a_admin.administered_park_ids() == {city.park_a.pk, city.park_a_sub.pk}
    assert commission_user.administered_park_ids() == set()
    assert commission_user.is_commission and not commission_user.is_park_admin


@pytest.mark.django_db
def test_descendant_ids_walks_the_park_tree(city):
    deeper = Park.objects.create(code="GXQ-BIO-1", name="孵化区", region=city.region, parent=city.park_a_sub)
    assert Park.objects.descendant_ids([city.park_a.pk]) == {city.park_a.pk, city.park_a_sub.pk, deeper.pk}
    assert Park.objects.descendant_ids([city.park_b.pk]) == {city.park_b.pk}
