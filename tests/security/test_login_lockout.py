"""Login lockout (django-axes): 5 failures for one username from one address lock that pair;
the right password is then refused, on the login page and on the API token endpoint."""

from __future__ import annotations

import pytest
from django.conf import settings

from tests.factories import PASSWORD, UserFactory

LOGIN = "/accounts/login/"
TOKEN = "/api/v1/auth/token/"


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
    assert "登录失败次数过多，该账户已被暂时锁定" in response.content.decode()
    assert "registration/lockout.html" in [t.name for t in response.templates]


def test_lockout_message_in_english_when_asked(client, officer):
    bad_logins(client, "zhangsan", 5)
    response = client.post(LOGIN, {"username": "zhangsan", "password": PASSWORD}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


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


def test_successful_login_before_the_limit_resets_the_count(client, officer):
    bad_logins(client, "zhangsan", 4)
    assert client.post(LOGIN, {"username": "zhangsan", "password": PASSWORD}).status_code == 302
    client.logout()
    bad_logins(client, "zhangsan", 4)
    assert client.post(LOGIN, {"username": "zhangsan", "password": PASSWORD}).status_code == 302


def test_api_token_endpoint_is_locked_too(client, officer):
    for i in range(5):
        r = client.post(TOKEN, {"username": "zhangsan", "password": f"wrong-{i}"}, content_type="application/json")
        assert r.status_code in (400, 403, 429), r.content
    r = client.post(TOKEN, {"username": "zhangsan", "password": PASSWORD}, content_type="application/json")
    assert r.status_code in (400, 403, 429)
    assert "token" not in r.json()
