"""The request log: what reached the emulator, with the exact body bytes' digest."""

from __future__ import annotations

import hashlib
import json

import pytest
import requests
from helpers import invoice
from urllib3.exceptions import ProtocolError
from xero_python.accounting import Invoices
from xero_python.exceptions import NotFoundException, RateLimitException

from xero_emulator import DEMO
from xero_emulator.reqlog import RequestLog
from xero_emulator.state import Clock
from xero_emulator.wire import Request, Response

T = DEMO.tenant_id


def test_requests_are_logged_with_body_digest_and_status(emu, xero):
    assert emu.requests() == []  # reset() cleared the log (issuing a token is not a request)
    xero.identity.get_connections()
    body = Invoices(invoices=[invoice(reference="logged")])
    xero.accounting.create_invoices(T, body, idempotency_key="log-key", summarize_errors=False)
    xero.accounting.create_invoices(T, body, idempotency_key="log-key", summarize_errors=False)  # replayed
    with pytest.raises(NotFoundException):
        xero.accounting.get_invoice(T, "00000000-0000-0000-0000-000000000000")
    requests.get(emu.base_url + "/_emulator/health", timeout=5)  # admin calls are not logged
    log = emu.requests()
    assert [(e["method"], e["path"], e["status"]) for e in log] == [
        ("GET", "/Connections", 200),
        ("PUT", "/api.xro/2.0/Invoices", 200),
        ("PUT", "/api.xro/2.0/Invoices", 200),
        ("GET", "/api.xro/2.0/Invoices/00000000-0000-0000-0000-000000000000", 404),
    ]
    first, replay = log[1], log[2]
    assert first["idempotency_key"] == replay["idempotency_key"] == "log-key"
    assert first["body_sha256"] == replay["body_sha256"] and first["body_length"] > 0
    assert first["query"] == "summarizeErrors=False" and first["tenant_id"] == T
    assert log[0]["tenant_id"] is None and log[0]["idempotency_key"] is None
    assert [e["seq"] for e in log] == sorted(e["seq"] for e in log)
    assert log[0]["time"] <= log[-1]["time"] and log[0]["time_utc"].startswith("/Date(")
    assert len(emu.dump()[T]["Invoices"]) == 1


def test_exact_bytes_digest_since_and_admin_endpoint(emu, xero):
    raw = json.dumps({"Contacts": [{"Name": "Bytes Ltd"}]}).encode()
    headers = {
        "Authorization": "Bearer " + xero.token["access_token"],
        "xero-tenant-id": T,
        "Content-Type": "application/json",
        "Idempotency-Key": "bytes-1",
    }
    resp = requests.put(
        emu.base_url + "/api.xro/2.0/Contacts?summarizeErrors=false", data=raw, headers=headers, timeout=5
    )
    assert resp.status_code == 200
    entry = emu.requests()[-1]
    assert entry["body_sha256"] == hashlib.sha256(raw).hexdigest() and entry["body_length"] == len(raw)
    assert entry["query"] == "summarizeErrors=false"
    mark = entry["seq"]
    assert emu.requests(since=mark) == []  # nothing new reached "Xero"
    over_http = requests.get(emu.base_url + "/_emulator/requests", params={"since": mark - 1}, timeout=5).json()
    assert [e["seq"] for e in over_http["requests"]] == [mark]
    emu.advance_clock(60)
    xero.api_client.refresh_oauth2_token()  # the token endpoint is logged too
    later = emu.requests(since=mark)
    assert [(e["method"], e["path"]) for e in later] == [("POST", "/connect/token")]
    assert later[0]["time"] >= entry["time"] + 60
    emu.reset()
    assert emu.requests() == [] and requests.get(emu.base_url + "/_emulator/requests", timeout=5).json() == {
        "requests": []
    }


def test_dropped_answers_and_rejections_are_logged(emu, xero):
    emu.inject_fault("drop_after_commit", method="PUT", path=r"/Invoices$")
    with pytest.raises(ProtocolError):  # no answer at all
        xero.accounting.create_invoices(T, Invoices(invoices=[invoice()]), idempotency_key="dropped")
    emu.set_limits(minute=2)  # the dropped call counted
    xero.accounting.get_organisations(T)
    with pytest.raises(RateLimitException):
        xero.accounting.get_organisations(T)
    log = emu.requests()
    assert [e["status"] for e in log] == [None, 200, 429]
    assert log[0]["idempotency_key"] == "dropped"


def test_log_is_bounded():
    log = RequestLog(Clock(), size=3)
    for i in range(5):
        req = Request("GET", f"/api.xro/2.0/Items/{i}", {}, None, b"", query_string="")
        log.record(req, Response(200))
    entries = log.entries()
    assert [e["path"][-1] for e in entries] == ["2", "3", "4"] and [e["seq"] for e in entries] == [3, 4, 5]
    assert [e["seq"] for e in log.entries(since=4)] == [5]
    log.clear()
    log.record(Request("GET", "/connections", {}, None), None)
    assert [(e["seq"], e["status"]) for e in log.entries()] == [(6, 500)]
