"""Hostile input never makes a 500: JSON nested absurdly deep or too big is a clear 400 (also
anonymously, on the token endpoint), an import job id no job can have is a 404, and an id is an
integer, never a float or "1.0" read as one."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from api import parsers
from projects import tasks
from tests import factories
from tests.api.conftest import token_client

TOKEN = "/api/v1/auth/token/"
REPORTS = "/api/v1/investment-reports/"
DEEP = "[" * 100_000 + "]" * 100_000


@pytest.fixture
def project(city):
    return factories.ProjectFactory(park=city.park_a, industry=city.bio_drug)


def post_raw(client, url, body, **extra):
    return client.generic("POST", url, body, content_type="application/json", **extra)


@pytest.mark.parametrize("body", [DEEP, '{"a":' * 100_000 + "1" + "}" * 100_000])
def test_deep_json_is_a_400_anonymously_on_the_token_endpoint(db, body):
    response = post_raw(APIClient(), TOKEN, body)
    assert response.status_code == 400
    assert response.json() == {"detail": "JSON 嵌套层数超过 32 层，请求未处理。"}


def test_deep_json_message_in_english(db):
    response = post_raw(APIClient(), TOKEN, DEEP, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json() == {"detail": "The JSON is nested more than 32 levels deep; the request was not processed."}


def test_deep_json_is_a_400_for_a_signed_in_writer(project, commission_user):
    response = post_raw(token_client(commission_user), REPORTS, '{"project": ' + DEEP + "}")
    assert response.status_code == 400


def test_depth_limit_counts_brackets_outside_strings_only(project, commission_user):
    # 40 brackets inside a string are text, not nesting: the request is read and validated.
    progress = "[{" * 20 + '\\"' + "}]" * 20
    body = f'{{"project": {project.pk}, "period": "2026-04", "amount": "1.00", "progress": "{progress}"}}'
    response = post_raw(token_client(commission_user), REPORTS, body)
    assert response.status_code == 201, response.content
    assert response.json()["progress"] == "[{" * 20 + '"' + "}]" * 20


def test_exactly_the_limit_is_accepted_one_more_is_not(db):
    ok = post_raw(APIClient(), TOKEN, '{"username": ' + "[" * 31 + "]" * 31 + ', "password": "x"}')
    assert ok.status_code == 400 and "username" in ok.json()
    too_deep = post_raw(APIClient(), TOKEN, '{"username": ' + "[" * 32 + "]" * 32 + ', "password": "x"}')
    assert too_deep.json() == {"detail": "JSON 嵌套层数超过 32 层，请求未处理。"}


def test_json_body_over_the_limit_is_a_400(settings, db):
    settings.API_JSON_MAX_BYTES = 1000
    body = '{"username": "%s", "password": "x"}' % ("a" * 2000)
    response = post_raw(APIClient(), TOKEN, body, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json() == {"detail": "The JSON body is larger than 1000 bytes; the request was not processed."}


def test_json_body_limit_default_is_ten_mib():
    from config.settings import base

    assert base.API_JSON_MAX_BYTES == 10 * 1024 * 1024


def test_still_strict_json(db):
    response = post_raw(APIClient(), TOKEN, '{"username": NaN, "password": "x"}')
    assert response.status_code == 400


@pytest.mark.parametrize("url", ["/imports/{}/", "/imports/{}/status.json"])
@pytest.mark.parametrize("token", ["a" * 1000, "A" * 32, "a" * 31, "１" * 32, "g" * 32])
def test_import_job_id_of_the_wrong_form_is_a_404(client, commission_user, url, token):
    tasks.jobs_root().mkdir(parents=True)  # as on a server where imports ran before
    client.force_login(commission_user)
    assert client.get(url.format(token)).status_code == 404


def test_import_job_id_check_matches_how_ids_are_made():
    assert tasks.is_job_token(tasks.new_job_token())
    assert not tasks.is_job_token("a" * 1000)


def test_import_commit_with_a_long_id_is_a_404(client, commission_user):
    tasks.jobs_root().mkdir(parents=True)
    client.force_login(commission_user)
    assert client.post(f"/imports/{'a' * 1000}/commit/").status_code == 404


@pytest.mark.parametrize("form", ["{}.5", "{}.0", "'{}.0'", "'{}.5'", "' {}'", "'{}e0'", "'０{}'", "true", "[{}]"])
def test_project_id_must_be_an_integer(project, commission_user, form):
    sent = json.loads(form.format(project.pk).replace("'", '"'))
    response = token_client(commission_user).post(
        REPORTS, {"project": sent, "period": "2026-04", "amount": "1.00"}, format="json"
    )
    assert response.status_code == 400, (sent, response.content)
    assert list(response.json()) == ["project"]


@pytest.mark.parametrize("value", ["pk", "str"])
def test_project_id_as_integer_or_digit_string_is_accepted(project, commission_user, value):
    pk = project.pk
    response = token_client(commission_user).post(
        REPORTS, {"project": pk if value == "pk" else str(pk), "period": "2026-04", "amount": "1.00"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["project"] == pk
    assert Decimal(response.json()["amount"]) == Decimal("1.00")


def test_milestone_project_id_must_be_an_integer(project, commission_user):
    response = token_client(commission_user).post(
        "/api/v1/milestones/",
        {"project": project.pk + 0.5, "kind": "signing", "planned_date": "2026-06-01"},
        format="json",
    )
    assert response.status_code == 400
    assert "project" in response.json()


def _nesting(value) -> int:
    if isinstance(value, dict):
        return 1 + max(map(_nesting, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(_nesting, value), default=0)
    return 0


@pytest.mark.parametrize(
    "text",
    [
        "1",
        "[]",
        '{"a": [1, {"b": []}]}',
        r'["\\", [["\\\"]]"]]]',
        r'{"k\"[[": ["]]]\\\\", {"x": "\u005b"}]}',
        '[[{"a": "}}}}"}], [[[[]]]]]',
        '"' + "[" * 50 + '"',
    ],
)
def test_depth_is_counted_as_the_decoder_nests(text):
    depth = _nesting(json.loads(text))
    assert not parsers.json_depth_exceeds(text, depth)
    assert depth == 0 or parsers.json_depth_exceeds(text, depth - 1)


@pytest.mark.parametrize(
    "text",
    ["[" * 40, "[" * 40 + '"', '"' + '\\"' * 10 + "[" * 40, '["\\\\"' + "[" * 40, "]]]" + "[" * 40],
)
def test_malformed_bodies_are_counted_up_to_where_the_decoder_stops(text):
    # The decoder reads (and recurses) up to its first error; the count sees those brackets too.
    prefix_depth = 40 if not text.startswith('"') else 0
    assert parsers.json_depth_exceeds(text, 32) == (prefix_depth > 32)
