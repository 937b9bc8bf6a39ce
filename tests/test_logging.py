"""Request ids, timing figures, and log lines that cannot leak secrets or be forged."""

import json
import re

import structlog

from portal.logging import configure_logging, log


def test_every_response_carries_a_fresh_request_id(client):
    first = client.get("/healthz").headers["X-Request-ID"]
    second = client.get("/healthz").headers["X-Request-ID"]

    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second


def test_a_proxys_safe_request_id_is_kept_and_an_unsafe_one_replaced(client):
    kept = client.get("/healthz", headers={"X-Request-ID": "edge-1234.abcd"})
    replaced = client.get("/healthz", headers={"X-Request-ID": '", "user": "admin'})

    assert kept.headers["X-Request-ID"] == "edge-1234.abcd"
    assert re.fullmatch(r"[0-9a-f]{32}", replaced.headers["X-Request-ID"])


def test_server_timing_counts_the_queries_of_the_request(client):
    health = client.get("/healthz").headers["Server-Timing"]
    ready = client.get("/readyz").headers["Server-Timing"]

    assert re.fullmatch(r'app;dur=[\d.]+, db;dur=[\d.]+;desc="0 queries"', health)
    queries = int(re.search(r'desc="(\d+) queries"', ready).group(1))
    assert queries >= 1


def test_the_request_line_has_the_same_figures_as_the_header(client):
    with structlog.testing.capture_logs([structlog.contextvars.merge_contextvars]) as lines:
        response = client.get("/readyz", headers={"X-Request-ID": "trace-0001"})

    (line,) = [entry for entry in lines if entry["event"] == "request"]
    assert line["request_id"] == "trace-0001"
    assert line["status"] == 200
    assert f'desc="{line["db_queries"]} queries"' in response.headers["Server-Timing"]


def test_secret_values_are_redacted_and_lines_cannot_be_forged(capsys):
    configure_logging("INFO")

    log.info("attempt", password="hunter2", totp_code="123456", email="a@b.example\n{")

    output = capsys.readouterr().err
    assert len(output.strip().splitlines()) == 1
    line = json.loads(output)
    assert line["password"] == "[redacted]"
    assert line["totp_code"] == "[redacted]"
    assert "hunter2" not in output and "123456" not in output
    assert line["email"] == "a@b.example\n{"
