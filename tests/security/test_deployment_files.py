"""docker-compose.yml, Dockerfile and gunicorn.conf.py describe the production topology of the
README (no Docker engine here: the YAML is loaded and its services checked one by one)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = ("web", "worker", "beat")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def command_text(service: dict) -> str:
    cmd = service["command"]
    return " ".join(cmd) if isinstance(cmd, list) else cmd


def test_services_and_images(compose):
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "replica", *APP_SERVICES}
    assert services["postgres"]["image"] == "postgres:16"
    # The read replica is optional (`--profile replica`), of the primary's image.
    assert services["replica"]["image"] == services["postgres"]["image"]
    assert services["replica"]["profiles"] == ["replica"]
    assert all("profiles" not in services[name] for name in ("postgres", "redis", *APP_SERVICES))
    assert services["redis"]["image"] == "redis:7"


def test_app_services_share_one_image_definition(compose):
    services = compose["services"]
    # The x-app anchor is merged into each: same build, same image, same environment.
    assert compose["x-app"]["build"] == "."
    for name in APP_SERVICES:
        assert services[name]["build"] == "."
        assert services[name]["image"] == compose["x-app"]["image"]
        assert services[name]["environment"] == compose["x-app"]["environment"]


def test_replica_service(compose):
    replica = compose["services"]["replica"]
    command = command_text(replica)
    assert "pg_basebackup -h postgres" in command and " -R " in command
    assert command.rstrip().endswith("exec postgres")
    assert "replicadata:/var/lib/postgresql/data" in replica["volumes"]
    assert replica["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "pg_is_in_recovery" in " ".join(replica["healthcheck"]["test"])
    # The primary lets it stream, and the app reads it only when told to.
    assert any("allow-replication.sh" in volume for volume in compose["services"]["postgres"]["volumes"])
    assert (ROOT / "scripts" / "docker" / "allow-replication.sh").is_file()
    assert compose["x-app"]["environment"]["DATABASE_REPLICA_URL"] == "${DATABASE_REPLICA_URL:-}"


def test_app_environment(compose):
    env = compose["x-app"]["environment"]
    assert env["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
    assert env["DATABASE_URL"].startswith("postgres://") and "@postgres:5432/" in env["DATABASE_URL"]
    assert env["CELERY_BROKER_URL"] == "redis://redis:6379/0"
    # The secret comes from .env / the shell; compose refuses to start without it.
    assert env["DJANGO_SECRET_KEY"].startswith("${DJANGO_SECRET_KEY:?")
    dumped = yaml.safe_dump(compose)
    assert not re.search(r"DJANGO_SECRET_KEY: [^$'\"]", dumped), "no literal secret in the compose file"


def test_commands(compose):
    services = compose["services"]
    web = command_text(services["web"])
    assert "manage.py migrate --noinput" in web
    assert "manage.py collectstatic --noinput" in web
    assert web.index("migrate") < web.index("gunicorn config.wsgi")
    assert "-c gunicorn.conf.py" in web
    assert command_text(services["worker"]).startswith("celery -A config worker")
    assert command_text(services["beat"]).startswith("celery -A config beat")


def test_exactly_one_beat(compose):
    beat = compose["services"]["beat"]
    assert beat.get("deploy", {}).get("replicas", 1) == 1
    assert beat.get("scale", 1) == 1


def test_every_service_has_a_healthcheck(compose):
    for name, service in compose["services"].items():
        check = service.get("healthcheck")
        assert check and check["test"], f"{name} has no health check"
        assert check["test"][0] in {"CMD", "CMD-SHELL"}
    assert "pg_isready" in " ".join(compose["services"]["postgres"]["healthcheck"]["test"])
    assert "redis-cli" in compose["services"]["redis"]["healthcheck"]["test"]
    assert "inspect ping" in " ".join(compose["services"]["worker"]["healthcheck"]["test"])
    web_check = " ".join(compose["services"]["web"]["healthcheck"]["test"])
    assert "127.0.0.1:8000" in web_check and "X-Forwarded-Proto" in web_check


def test_app_waits_for_healthy_backends(compose):
    for name in APP_SERVICES:
        deps = compose["services"][name]["depends_on"]
        assert deps["postgres"]["condition"] == "service_healthy"
        assert deps["redis"]["condition"] == "service_healthy"
    # The worker and beat start once web has migrated the database.
    assert compose["services"]["worker"]["depends_on"]["web"]["condition"] == "service_healthy"
    assert compose["services"]["beat"]["depends_on"]["web"]["condition"] == "service_healthy"


def test_named_volumes(compose):
    assert {"pgdata", "media"} <= set(compose["volumes"])
    assert "pgdata:/var/lib/postgresql/data" in compose["services"]["postgres"]["volumes"]
    for name in APP_SERVICES:
        assert "media:/app/var/media" in compose["services"][name]["volumes"]


def test_dockerfile():
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3.11-slim-bookworm$", text, re.M)
    assert "fonts-noto-cjk" in text and "libpango-1.0-0" in text
    assert "pip install -r requirements.txt" in text
    assert "USER app" in text  # not root
    assert re.search(r'CMD \["gunicorn", "config.wsgi"', text)
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".git", ".venv", "var", ".env"} <= set(ignored)


def test_gunicorn_conf_loads():
    namespace: dict = {}
    exec(compile((ROOT / "gunicorn.conf.py").read_text(encoding="utf-8"), "gunicorn.conf.py", "exec"), namespace)
    assert namespace["bind"] == "0.0.0.0:8000"
    assert namespace["workers"] >= 2
    assert namespace["timeout"] > 0 and namespace["max_requests"] > 0
    assert namespace["preload_app"] is False
