"""API tokens: the token endpoint is throttled per client address and per username; a token
dies with a password change or a deactivation, on DELETE, from the admin, and after
API_TOKEN_TTL_HOURS (a new POST then issues a fresh one)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from projects.models import InvestmentReport
from tests import factories
from tests.factories import PASSWORD, UserFactory

TOKEN = "/api/v1/auth/token/"
PROJECTS = "/api/v1/projects/"
WEEKLY = "/reports/2026-W01/download.pdf"
NEW_PASSWORD = "another-pw-for-tests-2"


def _forget_token_throttles():
    """Drop the token endpoint's counters (only those: on Redis the cache is the broker's db)."""
    cache = caches["throttle"]
    inner = getattr(cache, "_cache", None)
    if hasattr(inner, "get_client"):
        client = inner.get_client(write=True)
        for key in client.scan_iter(match=cache.make_key("throttle_token*")):
            client.delete(key)
    else:
        cache.clear()


@pytest.fixture(autouse=True)
def _fresh_token_throttles():
    _forget_token_throttles()
    yield
    _forget_token_throttles()


@pytest.fixture
def officer(city):
    return UserFactory(username="zhangsan", role="park_admin", park=city.park_a)


def token_for(user) -> Token:
    return Token.objects.get_or_create(user=user)[0]


def with_token(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def rates(settings, **scopes):
    rest = dict(settings.REST_FRAMEWORK)
    rest["DEFAULT_THROTTLE_RATES"] = {**rest["DEFAULT_THROTTLE_RATES"], **scopes}
    settings.REST_FRAMEWORK = rest


# --- throttles ----------------------------------------------------------------------------------


def test_token_endpoint_is_throttled_per_address(settings, db):
    rates(settings, token="5/min", token_username="1000/min")
    client = APIClient()
    codes = [
        client.post(TOKEN, {"username": f"nobody{i}", "password": "x"}, format="json").status_code for i in range(7)
    ]
    assert codes == [400] * 5 + [429, 429]
    # Another address is not affected.
    other = client.post(TOKEN, {"username": "nobody", "password": "x"}, format="json", REMOTE_ADDR="10.0.0.7")
    assert other.status_code == 400


def test_token_endpoint_is_throttled_per_username_across_addresses(settings, officer):
    rates(settings, token="1000/min", token_username="3/min")
    client = APIClient()
    codes = [
        client.post(
            TOKEN, {"username": "zhangsan", "password": "bad"}, format="json", REMOTE_ADDR=f"10.0.1.{i}"
        ).status_code
        for i in range(5)
    ]
    assert codes == [400, 400, 400, 429, 429]
    # The same name in other letters is the same name; another username still gets an answer.
    upper = client.post(TOKEN, {"username": "ZhangSan", "password": "bad"}, format="json", REMOTE_ADDR="10.0.2.1")
    assert upper.status_code == 429
    other = client.post(TOKEN, {"username": "lisi", "password": "bad"}, format="json", REMOTE_ADDR="10.0.2.2")
    assert other.status_code == 400


def test_default_token_rates_are_set_and_low(settings):
    from config.settings import base

    assert base.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["token"] == "20/min"
    assert base.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["token_username"] == "10/min"


# --- revocation ---------------------------------------------------------------------------------


def test_password_change_on_the_web_revokes_tokens(client, officer):
    key = token_for(officer).key
    assert with_token(key).get(PROJECTS).status_code == 200
    client.force_login(officer)
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert not Token.objects.filter(user=officer).exists()
    assert with_token(key).get(PROJECTS).status_code == 401


def test_set_password_anywhere_revokes_tokens_but_other_saves_do_not(officer):
    token_for(officer)
    officer.first_name = "三"
    officer.save()
    officer.refresh_from_db()
    assert Token.objects.filter(user=officer).exists()
    officer.set_password(NEW_PASSWORD)
    officer.save()
    assert not Token.objects.filter(user=officer).exists()


def test_create_user_with_password_revokes_tokens(officer):
    other = UserFactory(username="lisi", role="viewer")
    token_for(officer), token_for(other)
    call_command("create_user", "zhangsan", "--password", NEW_PASSWORD, "--role", "park_admin", "--park", "GXQ")
    assert list(Token.objects.values_list("user__username", flat=True)) == ["lisi"]


def test_deactivating_a_user_revokes_tokens(officer):
    key = token_for(officer).key
    officer.is_active = False
    officer.save()
    assert not Token.objects.filter(key=key).exists()


def test_delete_revokes_the_callers_own_token(officer, commission_user):
    key = token_for(officer).key
    other = token_for(commission_user).key
    client = with_token(key)
    assert client.delete(TOKEN).status_code == 204
    assert client.get(PROJECTS).status_code == 401
    assert list(Token.objects.values_list("key", flat=True)) == [other]
    assert APIClient().delete(TOKEN).status_code == 401


def test_admin_action_revokes_the_selected_users_tokens(client, officer, commission_user):
    other = UserFactory(username="lisi", role="viewer")
    token_for(officer), token_for(other)
    superuser = UserFactory(username="root", role="commission", is_staff=True, is_superuser=True)
    client.force_login(superuser)
    response = client.post(
        "/admin/parks/user/",
        {"action": "revoke_api_tokens", "_selected_action": [officer.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert list(Token.objects.values_list("user__username", flat=True)) == ["lisi"]


def test_token_admin_is_registered(client, db):
    superuser = UserFactory(username="root", role="commission", is_staff=True, is_superuser=True)
    client.force_login(superuser)
    assert client.get("/admin/authtoken/tokenproxy/").status_code == 200


# --- expiry -------------------------------------------------------------------------------------


def age(token: Token, hours: float) -> None:
    Token.objects.filter(pk=token.pk).update(created=timezone.now() - dt.timedelta(hours=hours))


def test_token_expires_after_the_ttl_and_a_new_post_issues_a_fresh_one(settings, officer):
    settings.API_TOKEN_TTL_HOURS = 24
    token = token_for(officer)
    age(token, 23)
    assert with_token(token.key).get(PROJECTS).status_code == 200
    # Within the TTL a new POST returns the same token.
    same = APIClient().post(TOKEN, {"username": "zhangsan", "password": PASSWORD}, format="json")
    assert same.json() == {"token": token.key}
    age(token, 25)
    expired = with_token(token.key).get(PROJECTS)
    assert expired.status_code == 401
    assert expired.json() == {"detail": "令牌已过期，请重新获取。"}
    assert expired["WWW-Authenticate"] == "Token"
    english = with_token(token.key).get(PROJECTS, HTTP_ACCEPT_LANGUAGE="en")
    assert english.json() == {"detail": "The token has expired; request a new one."}
    fresh = APIClient().post(TOKEN, {"username": "zhangsan", "password": PASSWORD}, format="json")
    assert fresh.status_code == 200
    assert fresh.json()["token"] != token.key
    assert with_token(fresh.json()["token"]).get(PROJECTS).status_code == 200


def test_expired_token_cannot_download_a_weekly_report_either(settings, officer):
    settings.API_TOKEN_TTL_HOURS = 1
    token = token_for(officer)
    age(token, 2)
    # A valid token reaches the view (no such report: 404); the expired one is refused first.
    assert with_token(token_for(UserFactory(username="lisi", role="viewer")).key).get(WEEKLY).status_code == 404
    assert with_token(token.key).get(WEEKLY).status_code == 401


def test_default_ttl_is_thirty_days():
    from config.settings import base

    assert base.API_TOKEN_TTL_HOURS == 720


@pytest.mark.django_db
@pytest.mark.parametrize("value", [1.5, 1.0, "1.0", " 1", "１", True])
def test_integers_are_never_coerced_in_any_writable_field(value, commission_user, city):
    """Every writable integer of the API (bulk rows' project, a project's year and version, a
    milestone's sequence, a park's sort order) refuses a float or a decimal string: a 400 on that
    field, nothing stored."""
    project = factories.ProjectFactory(park=city.park_a, industry=city.ei)
    client = APIClient()
    client.force_authenticate(commission_user)
    bulk = client.post(
        "/api/v1/investment-reports/bulk/",
        {"period": "2026-10", "rows": [{"project": value, "amount": "1.00"}]},
        format="json",
    )
    assert bulk.status_code == 400
    assert "project" in bulk.json()["rows"][0]["errors"]
    assert not InvestmentReport.objects.exists()
    patch = client.patch(f"/api/v1/projects/{project.pk}/", {"year": value}, format="json")
    assert patch.status_code == 400 and "year" in patch.json()
    project.refresh_from_db()
    assert project.version == 1
