"""Log lines: one JSON object each on stdout, uvicorn's records included; expected failures
logged without a traceback, unexpected ones with theirs."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from graphql import GraphQLError

from common.errors import Forbidden, RateLimited, to_graphql_error
from common.logging import configure_logging


@pytest.fixture
def json_logs(capsys: pytest.CaptureFixture[str]) -> Iterator[pytest.CaptureFixture[str]]:
    """Logging as a process configures it; each test calls ``configure_logging`` itself, once
    the test's stdout capture is in place (the handler writes to ``sys.stdout`` as it is then).
    """
    root = logging.getLogger()
    level = root.level
    yield capsys
    for handler in [h for h in root.handlers if getattr(h, "_realio", False)]:
        root.removeHandler(handler)
    root.setLevel(level)


def lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def error_from(exception: Exception) -> GraphQLError:
    return GraphQLError("boom", path=["login"], original_error=exception)


def test_uvicorn_records_come_out_as_json_on_stdout(
    json_logs: pytest.CaptureFixture[str],
) -> None:
    access, error = logging.getLogger("uvicorn.access"), logging.getLogger("uvicorn.error")
    # As uvicorn's own config leaves them with --log-level info (other tests' servers in this
    # process set other levels).
    access.addHandler(logging.StreamHandler())
    access.propagate = False
    levels = access.level, error.level
    access.setLevel(logging.INFO)
    error.setLevel(logging.INFO)
    configure_logging("INFO", json_output=True)
    try:
        access.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5", "POST", "/graphql", "1.1", 200)
        error.info("Started server process [%d]", 7)
    finally:
        access.setLevel(levels[0])
        error.setLevel(levels[1])
    entries = lines(json_logs)
    assert [(e["logger"], e["msg"]) for e in entries] == [
        ("uvicorn.access", '127.0.0.1:5 - "POST /graphql HTTP/1.1" 200'),
        ("uvicorn.error", "Started server process [7]"),
    ]


def test_expected_failures_are_logged_at_info_or_warning_without_a_traceback(
    json_logs: pytest.CaptureFixture[str],
) -> None:
    configure_logging("INFO", json_output=True)
    to_graphql_error(error_from(Forbidden("No.", reason="EMAIL_NOT_VERIFIED")))
    to_graphql_error(error_from(RateLimited("Slow down.", retry_after=3)))
    entries = lines(json_logs)
    assert [(e["level"], e["error_code"], e["reason"]) for e in entries] == [
        ("INFO", "FORBIDDEN", "EMAIL_NOT_VERIFIED"),
        ("WARNING", "RATE_LIMITED", None),
    ]
    assert all("exc" not in e for e in entries)


def test_unexpected_errors_are_logged_at_error_with_their_traceback(
    json_logs: pytest.CaptureFixture[str],
) -> None:
    configure_logging("INFO", json_output=True)
    try:
        raise KeyError("bug")
    except KeyError as exc:
        masked = to_graphql_error(error_from(exc))
    assert masked.extensions is not None
    assert masked.extensions["code"] == "INTERNAL_SERVER_ERROR"
    (entry,) = lines(json_logs)
    assert entry["level"] == "ERROR" and "KeyError" in str(entry["exc"])


def test_strawberrys_own_error_log_is_silenced(json_logs: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", json_output=True)
    logging.getLogger("strawberry.execution").error("duplicate", exc_info=True)
    assert lines(json_logs) == []
