"""Stateful fuzzing of the live OpenAPI schema, for every role: schemathesis chains calls
(create a project, then read, change and file reports against the ids it got back, …) by the
links it infers from the response schemas and path parameters (schemathesis.readthedocs.io,
"Understanding Stateful Testing"), with a token of each role. Whatever sequence it runs, the
API never answers 5xx, and what one step stored never breaks a later read (the kind of finding
#17 started from: a stored date in 9999 broke every later read of the project).

Bounded (SCHEMATHESIS_STATEFUL_EXAMPLES sequences of at most SCHEMATHESIS_STATEFUL_STEPS steps
per role) so it fits in `make test`; marked slow, PostgreSQL only like the stateless run."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from tests.api.test_schemathesis import keep_test_connection, role_headers, schema  # noqa: F401

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

EXAMPLES = int(os.environ.get("SCHEMATHESIS_STATEFUL_EXAMPLES", "8"))
STEPS = int(os.environ.get("SCHEMATHESIS_STATEFUL_STEPS", "6"))


def workflow_for(headers: dict, seen: list):
    base = schema.as_state_machine()

    class Workflow(base):
        def get_call_kwargs(self, case):
            return {"headers": headers}

        def validate_response(self, response, case, additional_checks=(), **kwargs):
            seen.append((case.method, case.path, response.status_code))
            assert response.status_code < 500, (
                f"{case.method} {case.formatted_path} query={case.query} body={case.body!r} "
                f"→ {response.status_code} {response.text[:500]}"
            )

    return Workflow


def test_links_are_inferred():
    """The state machine has transitions to run: without links it would test nothing."""
    machine = schema.as_state_machine()
    rules = [name for name in dir(machine) if not name.startswith("_")]
    assert machine.bundles, rules  # operations that produce resources for later steps


def test_stateful_sequences_never_error(role_headers):  # noqa: F811
    seen: list = []
    for role, headers in role_headers.items():
        workflow_for(headers, seen).run(
            settings=settings(
                max_examples=EXAMPLES,
                stateful_step_count=STEPS,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
        )
    # Sequences ran for every role (at least one call per sequence; Hypothesis decides how
    # many reach an existing resource, so that is not asserted).
    assert len(seen) >= len(role_headers) * EXAMPLES, len(seen)
