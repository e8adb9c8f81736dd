"""Schemathesis: every operation of /openapi.json, fed generated input, never answers 5xx.

For each caller (anonymous, an officer, an admin) every operation gets generated valid and
invalid requests (``EXAMPLES``) against a seeded server on SQLite; every error answer must be a
``wire.ErrorBody``. Long-poll waits are capped to 0 s so a pull answers at once. (A loop over the
operations rather than ``schema.parametrize()``: schemathesis' lazy pytest integration fails on
pytest 9 with "'Function' object has no attribute '_nodeid'".)
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.core.result import Ok

from server.app import create_app
from server.config import Settings
from tests.server.conftest import SECRET, UNIT_A, UNIT_B, FakeClock, Srv, TestClient, bearer

MAX_EXAMPLES = 25


@pytest.fixture
def fuzz_target(tmp_path: Path, sqlite_template: Path) -> Iterator[tuple[Any, dict[str, dict[str, str]]]]:
    path = tmp_path / "server.db"
    shutil.copy(sqlite_template, path)
    settings_ = Settings(database_url=f"sqlite:///{path}", data_dir=tmp_path / "data", secret_key=SECRET,
                         long_poll_max_seconds=0)  # fmt: skip
    app = create_app(settings_)
    clock = FakeClock()
    app.state.ctx = replace(app.state.ctx, clock=clock)
    with TestClient(app) as client:
        srv = Srv(client=client, ctx=app.state.ctx, clock=clock, backend="sqlite")
        srv.office(UNIT_A)
        srv.office(UNIT_B)
        srv.officer(UNIT_A, "canbo")
        srv.officer(UNIT_A, "quantri", role="admin")
        device = srv.device(UNIT_A)
        callers = {
            "anonymous": {},
            "officer": bearer(srv.login("canbo", device)),
            "admin": bearer(srv.login("quantri", device)),
        }
        yield app, callers


# (valid, invalid) examples per operation, chosen so the whole file runs in about a minute on a
# 2-core CI machine (~40 ms an example). The admin reaches every operation and gets the most;
# anonymous calls stop at the 401 (only /auth/* reads the body); the officer run checks the role
# paths of the non-admin operations (the admin run already covered their input handling).
EXAMPLES = {"anonymous": (5, 5), "officer": (10, 5), "admin": (MAX_EXAMPLES, 10)}
# A push body holds up to 500 generated events (~0.3 s an example): fewer examples keep the run short.
CAPPED = {"POST /sync/push": 8}


def _settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )


Target = tuple[Any, dict[str, dict[str, str]]]


def _check(case: Any, headers: dict[str, str]) -> None:
    response = case.call(headers={**(case.headers or {}), **headers})
    where = f"{case.method} {case.formatted_path} → {response.status_code}: {response.text[:300]}"
    assert response.status_code < 500, where
    if response.status_code >= 400 and case.method != "HEAD":
        content_type = response.headers.get("content-type") or [""]
        assert str(content_type[0]).startswith("application/json"), where
        detail = response.json()["detail"]
        assert set(detail) == {"code", "message"} and detail["message"], where


@pytest.mark.slow
@pytest.mark.parametrize("caller", ["anonymous", "officer", "admin"])
def test_no_operation_answers_5xx(caller: str, fuzz_target: Target) -> None:
    app, callers = fuzz_target
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        operations.append(result.ok())
    assert len(operations) >= 15
    if caller == "officer":
        operations = [op for op in operations if not op.path.startswith("/admin")]
    for operation in operations:
        for mode, examples in zip((GenerationMode.POSITIVE, GenerationMode.NEGATIVE), EXAMPLES[caller], strict=True):

            @_settings(min(examples, CAPPED.get(operation.label, examples)))
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case: Any) -> None:
                _check(case, callers[caller])

            try:
                run()
            except Unsatisfiable:
                if mode is GenerationMode.POSITIVE:
                    raise  # an operation without input (GET /healthz) has nothing to make invalid
