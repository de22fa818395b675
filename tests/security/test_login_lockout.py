"""Login lockout (django-axes): 5 failures for one username from one address lock that pair;
the right password is then refused, on the login page and on the API token endpoint."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.conf import settings

from tests.factories import PASSWORD, UserFactory

LOGIN = "/accounts/login/"
TOKEN = "/api/v1/auth/token/"
# web/templates/registration/lockout.html, in Chinese and as locale/en translates it.
LOCKOUT_TITLE = {"zh-hans": "账户已锁定", "en": "Account locked"}
LOCKOUT_MESSAGE = {
    "zh-hans": "登录失败次数过多，该账户已被暂时锁定。请稍后再试，或联系系统管理员解锁。",
    "en": "Too many failed login attempts; this account has been locked temporarily.",
}
# What DRF's ObtainAuthToken answers when authenticate() refuses (axes refuses a locked pair).
BAD_CREDENTIALS = {"non_field_errors": ["无法使用提供的认证信息登录。"]}


@pytest.fixture
def officer(city):
    return UserFactory(username="zhangsan", role="park_admin", park=city.park_a)


def bad_logins(client, username: str, n: int, **extra) -> list[int]:
    return [client.post(LOGIN, {"username": username, "password": f"wrong-{i}"}, **extra).status_code for i in range(n)]


def test_five_failures_lock_out_the_right_password(client, officer):
    assert settings.AXES_FAILURE_LIMIT == 5
    # Four failures: still only "wrong password" (the form again, 200), not locked.
    assert bad_logins(client, "zhangsan", 4) == [200, 200, 200, 200]
    # The fifth failure reaches the limit: answered with the lockout page.
    assert client.post(LOGIN, {"username": "zhangsan", "password": "wrong-4"}).status_code == 429
    response = client.post(LOGIN, {"username": "zhangsan", "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert LOCKOUT_MESSAGE["zh-hans"] in response.content.decode()
    assert "registration/lockout.html" in [t.name for t in response.templates]


def test_lockout_message_in_english_when_asked(client, officer):
    bad_logins(client, "zhangsan", 5)
    response = client.post(LOGIN, {"username": "zhangsan", "password": PASSWORD}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    html = response.content.decode()
    assert "registration/lockout.html" in [t.name for t in response.templates]
    assert f"<h1>{LOCKOUT_TITLE['en']}</h1>" in html
    assert LOCKOUT_MESSAGE["en"] in html
    assert LOCKOUT_TITLE["zh-hans"] not in html and LOCKOUT_MESSAGE["zh-hans"] not in html


def test_lockout_is_per_username_and_address(client, officer, city):
    other = UserFactory(username="lisi", role="viewer")
    bad_logins(client, "zhangsan", 5, REMOTE_ADDR="10.0.0.5")
    # Same user from another office's address: still can log in (no denial of service by
    # someone guessing from elsewhere) ...
    ok = client.post(LOGIN, {"username": "zhangsan", "password": PASSWORD}, REMOTE_ADDR="10.0.0.6")
    assert ok.status_code == 302 and client.session["_auth_user_id"] == str(officer.pk)
    client.logout()
    # ... and another user from the locked address too.
    ok = client.post(LOGIN, {"username": "lisi", "password": PASSWORD}, REMOTE_ADDR="10.0.0.5")
    assert ok.status_code == 302 and client.session["_auth_user_id"] == str(other.pk)
    client.logout()
    locked = client.post(LOGIN, {"username": "zhangsan", "password": PASSWORD}, REMOTE_ADDR="10.0.0.5")
    assert locked.status_code == 429 and "_auth_user_id" not in client.session


def failures(username: str) -> int:
    return sum(AccessAttempt.objects.filter(username=username).values_list("failures_since_start", flat=True))


def test_successful_login_before_the_limit_resets_the_count(client, officer):
    bad_logins(client, "zhangsan", 4)
    assert failures("zhangsan") == 4
    assert client.post(LOGIN, {"username": "zhangsan", "password": PASSWORD}).status_code == 302
    assert client.session["_auth_user_id"] == str(officer.pk)
    assert failures("zhangsan") == 0  # AXES_RESET_ON_SUCCESS
    client.logout()
    # 4 + 4 failures in all, but never 5 since the last success: still not locked.
    assert bad_logins(client, "zhangsan", 4) == [200, 200, 200, 200]
    assert failures("zhangsan") == 4
    assert client.post(LOGIN, {"username": "zhangsan", "password": PASSWORD}).status_code == 302
    assert client.session["_auth_user_id"] == str(officer.pk)


def test_api_token_endpoint_is_locked_too(client, officer):
    for i in range(5):
        r = client.post(TOKEN, {"username": "zhangsan", "password": f"wrong-{i}"}, content_type="application/json")
        assert (r.status_code, r.json()) == (400, BAD_CREDENTIALS), r.content
    assert failures("zhangsan") == 5
    # The right password is refused now. The token endpoint does not say why (DRF answers its
    # usual 400), so what proves the lockout is the rest: the same password works from another
    # address, and the login page for this pair shows the lockout page.
    r = client.post(TOKEN, {"username": "zhangsan", "password": PASSWORD}, content_type="application/json")
    assert (r.status_code, r.json()) == (400, BAD_CREDENTIALS)
    elsewhere = client.post(
        TOKEN, {"username": "zhangsan", "password": PASSWORD}, content_type="application/json", REMOTE_ADDR="10.0.0.9"
    )
    assert elsewhere.status_code == 200 and len(elsewhere.json()["token"]) == 40
    page = client.post(LOGIN, {"username": "zhangsan", "password": PASSWORD})
    assert page.status_code == 429
    assert LOCKOUT_MESSAGE["zh-hans"] in page.content.decode()
    assert "_auth_user_id" not in client.session
