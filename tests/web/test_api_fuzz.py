"""Fuzz the JSON API from its own OpenAPI description, over real HTTP, on SQLite and PostgreSQL.

The schema is loaded from the live server. Each role fuzzes the operations of its own areas with valid
and with invalid generated data (schemathesis positive and negative modes): once with generated path
ids (almost always unknown rows) and once with the ids of real rows of the demo, so that the code
behind the 404 runs too; and it touches the other areas a few times (they must answer a documented
403). Every answer must be no 5xx, a documented status code and content type, and a body that matches
the documented schema; invalid input must be refused with a 4xx. All failures of a run are collected
and reported together.
"""
from __future__ import annotations

import logging
import os
from collections import Counter

import hypothesis.errors
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.errors import FailureGroup
from schemathesis.specs.openapi.checks import (content_type_conformance, negative_data_rejection,
                                               response_schema_conformance, status_code_conformance)

from pool.needs import ACTIVITY_KINDS
from tests.conftest import DEMO_LOGINS, sign_in

# The areas (OpenAPI tags) each role works in; the rest of the API must refuse it with 403.
ROLE_AREAS = {
    "requester": {"needs"},
    "club_admin": {"leaders"},
    "leader": {"me", "attendance"},
    "coordinator": {"schedules", "attendance", "report"},
}
# Generated requests per operation and mode: in the role's own areas, and outside them. The suite's
# run stays short; POOL_FUZZ_EXAMPLES=50 fuzzes deeper by hand.
DEEPER = int(os.environ.get("POOL_FUZZ_EXAMPLES", 0))
OWN_EXAMPLES = {"sqlite": DEEPER or 6, "postgresql": DEEPER or 4}
FOREIGN_EXAMPLES = 2
# Messages of the request parser (marshmallow): given to data the description calls valid, they show
# that the description and the parser disagree; rule violations (pool.errors.Invalid) read differently.
PARSER_MESSAGES = ("Not a valid", "Unknown field", "Missing data for required field", "Field may not be null",
                   "Invalid input type", "Must be greater", "Must be less", "Must be one of", "Length must",
                   "Shorter than", "Longer than", "Text may not contain", "Write the amount")


def valid_data_passes_the_parser(ctx, response, case):
    """Data generated from the description is never refused by the parser of the request."""
    if response.status_code != 422:
        return None
    errors = response.json().get("errors", {})
    refused = [f"{where}.{name}: {text}" for where, named in errors.items() for name, texts in named.items()
               for text in _texts(texts) if text.startswith(PARSER_MESSAGES)]
    if refused:
        raise AssertionError("valid data refused by the parser: " + "; ".join(refused))
    return None


def _texts(value):
    """Error texts, which marshmallow nests by list index and field."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)
    else:
        for item in value:
            yield from _texts(item)


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _real_ids(client, role: str) -> dict[str, int]:
    """Path ids of rows of the demo the role may work on."""
    api = client.base_url + "/api"
    if role == "requester":
        return {"need_id": client.get(api + "/needs/").json()[0]["id"]}
    if role == "club_admin":
        leaders = client.get(api + "/leaders/").json()
        absent = next(leader for leader in leaders if leader["absences"])
        return {"leader_id": absent["id"], "absence_id": absent["absences"][0]["id"]}
    if role == "coordinator":  # the demo has no funding link: make one for a funder found by its report
        funder = next(i for i in range(1, 100) if client.get(api + "/report/", params={"funder": i}).ok)
        for kind in ACTIVITY_KINDS:  # one the pool's needs use
            link = client.post(api + "/report/funding", json={
                "funder_id": funder, "target": "activity_kind", "activity_kind": kind,
                "first_day": "2027-01-01", "last_day": "2027-12-31", "amount": "1000"})
            if link.status_code == 201:
                return {"link_id": link.json()["id"]}
        raise AssertionError("no activity kind of the demo could be funded")
    return {}


def _fuzz(base_url: str, role: str, own_examples: int) -> tuple[Counter, dict[str, str]]:
    """Run every operation with generated data as ``role``; returns requests made and failures."""
    client = sign_in(base_url, DEMO_LOGINS[role])
    schema = schemathesis.openapi.from_dict(client.get(base_url + "/api/openapi.json").json())
    real_ids = _real_ids(client, role)
    ran: Counter = Counter()
    failures: dict[str, str] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        own = bool(ROLE_AREAS[role] & set(operation.tags or ()))
        path_names = {p.name for p in operation.path_parameters}
        pinned = {name: real_ids[name] for name in path_names if name in real_ids}
        passes = [(GenerationMode.POSITIVE, None)]
        if own:
            passes.append((GenerationMode.NEGATIVE, None))
            if pinned and len(pinned) == len(path_names):
                passes += [(GenerationMode.POSITIVE, pinned), (GenerationMode.NEGATIVE, pinned)]
        for mode, path_parameters in passes:
            label = f"{operation.label} [{mode.value}{', real ids' if path_parameters else ''}]"
            checks = CHECKS + ([negative_data_rejection] if mode is GenerationMode.NEGATIVE
                               else [valid_data_passes_the_parser])
            strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)

            @settings(max_examples=own_examples if own else FOREIGN_EXAMPLES, deadline=None, database=None,
                      derandomize=True, phases=[Phase.explicit, Phase.generate],
                      suppress_health_check=list(HealthCheck))
            @given(case=strategy)
            def run(case):
                ran[mode.value] += 1
                response = case.call(base_url=base_url, session=client)
                try:
                    case.validate_response(response, checks=checks)
                except (AssertionError, FailureGroup) as failure:
                    failures.setdefault(f"{label} {response.status_code}", str(failure)[:2000])

            try:
                run()
            except hypothesis.errors.Unsatisfiable:
                pass  # no invalid request exists for an operation without parameters
    return ran, failures


@pytest.fixture
def quiet_server_log():
    """The live server logs every request; thousands of lines would hide the failures."""
    logger = logging.getLogger("werkzeug")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


def test_the_api_holds_its_description_under_generated_input(request, live_server_on, quiet_server_log):
    kind = request.node.callspec.params["live_server_on"]
    total: Counter = Counter()
    failures: dict[str, str] = {}
    for role in ROLE_AREAS:
        ran, found = _fuzz(live_server_on, role, OWN_EXAMPLES[kind])
        assert ran["positive"] > 30 and ran["negative"] > 20, (role, ran)
        total.update(ran)
        failures.update({f"{role}: {key}": text for key, text in found.items()})
    print(f"\n{kind}: {total['positive']} valid and {total['negative']} invalid generated requests")
    assert not failures, "\n".join(failures) + "\n\n" + "\n\n".join(failures.values())
