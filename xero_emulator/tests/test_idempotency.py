"""Idempotency-Key replay and conflicts."""

from __future__ import annotations

import json

import pytest
from helpers import invoice
from xero_python.accounting import Contact, Contacts, Invoices
from xero_python.exceptions import AccountingBadRequestException

from xero_emulator import DEMO

T = DEMO.tenant_id


def test_same_key_same_body_replays(xero, emu):
    body = Invoices(invoices=[invoice(reference="once")])
    first = xero.accounting.create_invoices(T, body, idempotency_key="key-1")
    raw_first = xero.api_client.last_response.data
    second = xero.accounting.create_invoices(T, body, idempotency_key="key-1")
    assert second.invoices[0].invoice_id == first.invoices[0].invoice_id
    assert xero.api_client.last_response.data == raw_first
    assert len(emu.dump()[T]["Invoices"]) == 1
    other = xero.accounting.create_invoices(T, body, idempotency_key="key-2")
    assert other.invoices[0].invoice_id != first.invoices[0].invoice_id


def test_same_key_different_body_is_refused(xero, emu):
    xero.accounting.create_contacts(T, Contacts(contacts=[Contact(name="Idem One")]), idempotency_key="k")
    with pytest.raises(AccountingBadRequestException) as err:
        xero.accounting.create_contacts(T, Contacts(contacts=[Contact(name="Idem Two")]), idempotency_key="k")
    assert "Idempotency-Key has already been used" in err.value.reason
    names = [c["Name"] for c in emu.dump()[T]["Contacts"]]
    assert "Idem One" in names and "Idem Two" not in names


def test_errors_are_replayed_and_keys_expire(xero, emu):
    bad = Contacts(contacts=[Contact(name="Basket Case")])
    for _ in range(2):
        with pytest.raises(AccountingBadRequestException) as err:
            xero.accounting.create_contacts(T, bad, idempotency_key="bad-key")
        assert json.loads(err.value.body)["Type"] == "ValidationException"
    with pytest.raises(AccountingBadRequestException) as err:
        xero.accounting.create_contacts(T, bad, idempotency_key="x" * 129)
    assert "128" in err.value.reason
    xero.accounting.create_contacts(T, Contacts(contacts=[Contact(name="Day One")]), idempotency_key="day")
    emu.advance_clock(86401)
    xero.api_client.refresh_oauth2_token()
    xero.accounting.create_contacts(T, Contacts(contacts=[Contact(name="Day Two")]), idempotency_key="day")
    names = [c["Name"] for c in emu.dump()[T]["Contacts"]]
    assert "Day One" in names and "Day Two" in names


def test_key_forgotten_after_24_hours_same_body_creates_again(xero, emu):
    body = Invoices(invoices=[invoice(reference="forgotten")])
    first = xero.accounting.create_invoices(T, body, idempotency_key="day-key").invoices[0]
    emu.advance_clock(86_000)  # still within 24 h: replayed
    xero.api_client.refresh_oauth2_token()
    assert xero.accounting.create_invoices(T, body, idempotency_key="day-key").invoices[0].invoice_id == (
        first.invoice_id
    )
    assert len(emu.dump()[T]["Invoices"]) == 1
    emu.advance_clock(401)  # 24 h and a second after the first use: Xero forgot the key
    second = xero.accounting.create_invoices(T, body, idempotency_key="day-key").invoices[0]
    assert second.invoice_id != first.invoice_id
    assert [i["Reference"] for i in emu.dump()[T]["Invoices"]] == ["forgotten", "forgotten"]
    sent = [e for e in emu.requests() if e["idempotency_key"] == "day-key"]
    assert len(sent) == 3 and len({e["body_sha256"] for e in sent}) == 1  # the very same bytes each time
    third = xero.accounting.create_invoices(T, body, idempotency_key="day-key").invoices[0]
    assert third.invoice_id == second.invoice_id  # the new use is remembered from now on
