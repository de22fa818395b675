"""API benchmark: `GET /api/v1/projects/?page_size=100` (token auth, scoping, filters,
pagination with its COUNT, serializer) against a minimal Django view returning the same 100
rows with `.values()` as JSON, both through the full middleware stack with django.test.Client,
interleaved in the same run.

Prints `api_projects_list: R x (median M ms vs bare .values() view B ms)`; goal R ≤ 2."""

from __future__ import annotations

import statistics
import time

from django.http import JsonResponse
from django.urls import include, path

ROUNDS = 31
WARMUP = 3
BASE_FIELDS = [
    "id",
    "code",
    "name",
    "owner",
    "park__code",
    "park__name",
    "industry__code",
    "industry__name",
    "level",
    "year",
    "stage",
    "phase",
    "total_investment",
    "construction_content",
    "annual_output",
    "target_date",
    "leader",
    "contact_person",
    "contact_phone",
    "latitude",
    "longitude",
    "is_special_bond",
    "special_bond_amount",
    "status",
    "investment_status",
    "version",
    "created_at",
    "updated_at",
]


def values_view(request):
    """The floor: the same page of rows, straight from .values() to JSON."""
    from projects.models import Project

    rows = list(Project.objects.active().order_by("-year", "id").values(*BASE_FIELDS)[:100])
    return JsonResponse({"results": rows}, json_dumps_params={"ensure_ascii": False})


urlpatterns = [
    path("__bench__/projects-values/", values_view),
    path("", include("config.urls")),
]


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def run(ctx) -> None:
    from django.test import Client
    from django.test.utils import override_settings
    from rest_framework.authtoken.models import Token

    from parks.models import Role, User

    user, _ = User.objects.update_or_create(username="bench_api", defaults={"role": Role.COMMISSION})
    token, _ = Token.objects.get_or_create(user=user)
    client = Client(HTTP_HOST="localhost")
    headers = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    api_url = "/api/v1/projects/?page_size=100"
    base_url = "/__bench__/projects-values/"

    with override_settings(ROOT_URLCONF="bench.api"):
        api_times: list[float] = []
        base_times: list[float] = []
        for i in range(WARMUP + ROUNDS):
            started = time.perf_counter()
            response = client.get(api_url, **headers)
            api_elapsed = time.perf_counter() - started
            if response.status_code != 200:
                raise RuntimeError(f"API answered {response.status_code}: {response.content[:300]!r}")
            started = time.perf_counter()
            baseline = client.get(base_url)
            base_elapsed = time.perf_counter() - started
            if baseline.status_code != 200:
                raise RuntimeError(f"baseline answered {baseline.status_code}")
            if i >= WARMUP:
                api_times.append(api_elapsed)
                base_times.append(base_elapsed)
        rows = len(response.json()["results"])
        if rows != len(baseline.json()["results"]):
            raise RuntimeError("the API and the baseline returned different numbers of rows")
    api_ms, base_ms = _median_ms(api_times), _median_ms(base_times)
    print(
        f"api_projects_list: {api_ms / base_ms:.2f} x "
        f"(median {api_ms:.1f} ms vs bare .values() view {base_ms:.1f} ms; {rows} rows of {ctx.projects} projects)"
    )
    print(f"api_projects_list_ms: {api_ms:.1f} ms (GET {api_url}, median of {ROUNDS})")
