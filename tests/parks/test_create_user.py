import pytest
from django.core.management import CommandError, call_command

from parks.models import User


@pytest.mark.django_db
def test_create_user_creates_then_updates_role_park_and_password(city):
    call_command("create_user", "zhang", "--password", "first-pass-1", "--role", "park_admin", "--park", "GXQ")
    user = User.objects.get(username="zhang")
    assert (user.role, user.park.code) == ("park_admin", "GXQ")
    assert user.check_password("first-pass-1")

    call_command("create_user", "zhang", "--password", "second-pass-2", "--role", "viewer")
    user.refresh_from_db()
    assert user.role == "viewer"
    assert user.check_password("second-pass-2")
    assert User.objects.filter(username="zhang").count() == 1


@pytest.mark.django_db
def test_create_user_refuses_park_admin_without_known_park(city):
    with pytest.raises(CommandError, match="--park"):
        call_command("create_user", "li", "--password", "pw-123456", "--role", "park_admin")
    with pytest.raises(CommandError, match="NOPE"):
        call_command("create_user", "li", "--password", "pw-123456", "--role", "park_admin", "--park", "NOPE")
    assert not User.objects.filter(username="li").exists()


@pytest.mark.django_db
def test_create_user_refuses_a_weak_password_and_stores_nothing(city):
    with pytest.raises(CommandError, match="password rejected"):
        call_command("create_user", "wang", "--password", "12345678", "--role", "viewer")
    assert not User.objects.filter(username="wang").exists()
