"""Xero's rate limits, observed through xero_python.exceptions.RateLimitException."""

from __future__ import annotations

import threading
import time

import pytest
from conftest import make_client
from xero_python.exceptions import RateLimitException

from xero_emulator import DEMO

T = DEMO.tenant_id


def test_minute_limit_and_headers(emu, xero):
    emu.set_limits(minute=5)
    remaining = []
    for _ in range(5):
        xero.accounting.get_organisations(T)
        h = xero.headers()
        remaining.append(int(h["X-MinLimit-Remaining"]))
        assert int(h["X-DayLimit-Remaining"]) > 0 and int(h["X-AppMinLimit-Remaining"]) > 0
    assert remaining == [4, 3, 2, 1, 0]
    with pytest.raises(RateLimitException) as err:
        xero.accounting.get_contacts(T)
    assert err.value.status == 429 and err.value.rate_limit == "minute"
    assert 1 <= int(err.value.headers["Retry-After"]) <= 60
    assert err.value.error_message == "You've exceeded the per minute rate limit"
    emu.advance_clock(61)
    assert xero.accounting.get_organisations(T).organisations
    counters = emu.counters()[T]
    assert counters["rate_limited"] == {"minute": 1} and counters["max_calls_per_minute"] == 5
    assert counters["total_calls"] == 7 and counters["calls_by_route"]["GET /Organisation"] == 6


def test_daily_limit(emu, xero):
    emu.set_limits(day=3)
    for _ in range(3):
        xero.accounting.get_organisations(T)
    assert xero.headers()["X-DayLimit-Remaining"] == "0"
    with pytest.raises(RateLimitException) as err:
        xero.accounting.get_organisations(T)
    assert err.value.rate_limit == "day" and int(err.value.headers["Retry-After"]) > 80000
    emu.advance_clock(86401)
    xero.api_client.refresh_oauth2_token()
    assert xero.accounting.get_organisations(T).organisations


def test_app_minute_limit_spans_tenants(emu):
    second = emu.add_organisation("Second Co")
    xero = make_client(emu, tenant_ids=[T, second])
    emu.set_limits(app_minute=4)
    for tenant in (T, second, T, second):
        xero.accounting.get_organisations(tenant)
    with pytest.raises(RateLimitException) as err:
        xero.accounting.get_organisations(second)
    assert err.value.rate_limit == "appminute"
    assert err.value.headers["X-AppMinLimit-Remaining"] == "0"


def test_concurrent_limit(emu, xero):
    emu.set_limits(concurrent=1)
    emu.inject_fault("delay", path="/Organisation$", delay_seconds=2.0)
    slow_client = make_client(emu)
    result = {}
    thread = threading.Thread(target=lambda: result.setdefault("org", slow_client.accounting.get_organisations(T)))
    thread.start()
    time.sleep(0.5)
    with pytest.raises(RateLimitException) as err:
        xero.accounting.get_contacts(T)
    assert err.value.rate_limit == "concurrent" and err.value.headers["Retry-After"] == "1"
    thread.join(5)
    assert result["org"].organisations
    counters = emu.counters()[T]
    assert counters["max_concurrent"] == 1 and counters["rate_limited"]["concurrent"] == 1


def test_identity_and_token_endpoints_are_not_limited(emu, xero):
    emu.set_limits(minute=1)
    for _ in range(5):
        assert xero.identity.get_connections()
    xero.api_client.refresh_oauth2_token()
    xero.accounting.get_organisations(T)
    with pytest.raises(RateLimitException):
        xero.accounting.get_organisations(T)
