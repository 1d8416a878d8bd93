"""Injected faults: 500, 503, 429, timeout and drop_after_commit."""

from __future__ import annotations

import time

import pytest
import urllib3
from conftest import XeroClient
from helpers import invoice
from xero_python.accounting import Invoices
from xero_python.exceptions import HTTPStatusException, RateLimitException

from xero_emulator import DEMO

T = DEMO.tenant_id


def test_500_and_503(emu, xero):
    emu.inject_fault("500")
    with pytest.raises(HTTPStatusException) as err:
        xero.accounting.get_contacts(T)
    assert err.value.status == 500 and b"An error occurred" in err.value.body
    assert xero.accounting.get_contacts(T).contacts
    emu.inject_fault("503", count=2, method="PUT", path=r"/Invoices$")
    assert xero.accounting.get_invoices(T).invoices == []  # GET does not match
    for _ in range(2):
        with pytest.raises(HTTPStatusException) as err:
            xero.accounting.create_invoices(T, Invoices(invoices=[invoice()]))
        assert err.value.status == 503
    assert xero.accounting.create_invoices(T, Invoices(invoices=[invoice()])).invoices
    assert len(emu.dump()[T]["Invoices"]) == 1
    assert emu.counters()[T]["total_calls"] == 6


def test_injected_429(emu, xero):
    emu.inject_fault("429", path="Contacts")
    with pytest.raises(RateLimitException) as err:
        xero.accounting.get_contacts(T)
    assert err.value.rate_limit == "minute" and err.value.headers["Retry-After"] == "1"
    assert emu.counters()[T]["rate_limited"] == {"minute": 1}


def test_timeout_processes_nothing(emu, xero):
    emu.inject_fault("timeout", method="POST", timeout_seconds=2.5)
    start = time.monotonic()
    with pytest.raises(urllib3.exceptions.ReadTimeoutError):
        xero.accounting.update_or_create_invoices(T, Invoices(invoices=[invoice()]), _request_timeout=1)
    assert time.monotonic() - start < 2.0  # the client gave up while the emulator still held the request
    assert emu.dump()[T]["Invoices"] == []
    assert emu.counters()[T]["calls_by_route"]["POST /Invoices"] == 1


def test_drop_after_commit_with_idempotency_key_leaves_one_object(emu, xero):
    emu.inject_fault("drop_after_commit", method="POST", path=r"/Invoices$")
    body = Invoices(invoices=[invoice(reference="dropped")])
    with pytest.raises(urllib3.exceptions.ProtocolError):
        xero.accounting.update_or_create_invoices(T, body, idempotency_key="drop-1")
    stored = emu.dump()[T]["Invoices"]
    assert len(stored) == 1 and stored[0]["Reference"] == "dropped"  # committed before the drop
    retried = xero.accounting.update_or_create_invoices(T, body, idempotency_key="drop-1")
    assert retried.invoices[0].invoice_id == stored[0]["InvoiceID"]
    assert len(emu.dump()[T]["Invoices"]) == 1


def test_drop_after_commit_on_put_duplicates_without_key(emu):
    """urllib3 (under xero-python), left with its default retries, silently re-sends a PUT
    whose connection dropped: without an Idempotency-Key that creates a duplicate."""
    xero = XeroClient(emu, emu.issue_token(), urllib3_retries=True)
    emu.inject_fault("drop_after_commit", method="PUT", path=r"/Invoices$")
    xero.accounting.create_invoices(T, Invoices(invoices=[invoice(reference="naive")]))
    assert len(emu.dump()[T]["Invoices"]) == 2
    emu.reset()
    xero2 = XeroClient(emu, emu.issue_token(), urllib3_retries=True)
    emu.inject_fault("drop_after_commit", method="PUT", path=r"/Invoices$")
    xero2.accounting.create_invoices(T, Invoices(invoices=[invoice(reference="safe")]), idempotency_key="put-1")
    assert len(emu.dump()[T]["Invoices"]) == 1
