"""Every route group refuses a token without its scope the way Xero does: 401 insufficient_scope."""

from __future__ import annotations

import json

import pytest
from conftest import make_client
from helpers import contact_id, create_invoice, line, pay
from xero_python.accounting import HistoryRecord, HistoryRecords
from xero_python.exceptions import HTTPStatusException

from xero_emulator import DEMO

T = DEMO.tenant_id
NOTE = HistoryRecords(history_records=[HistoryRecord(details="note")])


def refused(call) -> None:
    with pytest.raises(HTTPStatusException) as err:
        call()
    assert err.value.status == 401
    assert "insufficient_scope" in err.value.headers["WWW-Authenticate"]
    assert json.loads(err.value.body)["Detail"] == "AuthorizationUnsuccessful: insufficient_scope"


@pytest.mark.parametrize(
    "scopes, can_read, can_write",
    [
        (["accounting.payments"], True, True),
        (["accounting.transactions"], True, True),
        (["accounting.payments.read"], True, False),
        (["accounting.invoices", "accounting.contacts", "accounting.settings"], False, False),
    ],
)
def test_payments_and_their_history(emu, xero, scopes, can_read, can_write):
    inv = create_invoice(xero, status="AUTHORISED", lines=[line(100)])
    payment = pay(xero, inv.invoice_id, 10)
    api = make_client(emu, scopes=scopes).accounting
    reads = (
        lambda: api.get_payments(T),
        lambda: api.get_payment(T, payment.payment_id),
        lambda: api.get_payment_history(T, payment.payment_id),
    )
    writes = (
        lambda: pay(make_client(emu, scopes=scopes), inv.invoice_id, 1),
        lambda: api.create_payment_history(T, payment.payment_id, NOTE),
    )
    for allowed, calls in ((can_read, reads), (can_write, writes)):
        for call in calls:
            if allowed:
                call()
            else:
                refused(call)


@pytest.mark.parametrize(
    "scopes, can_read, can_write",
    [
        (["accounting.contacts"], True, True),
        (["accounting.contacts.read"], True, False),
        (["accounting.transactions", "accounting.attachments", "accounting.settings"], False, False),
    ],
)
def test_contact_history(emu, xero, scopes, can_read, can_write):
    cid = contact_id(xero, "Basket Case")
    api = make_client(emu, scopes=scopes).accounting
    if can_read:
        assert api.get_contact_history(T, cid).history_records is not None
    else:
        refused(lambda: api.get_contact_history(T, cid))
    if can_write:
        assert api.create_contact_history(T, cid, NOTE).history_records[0].details == "note"
    else:
        refused(lambda: api.create_contact_history(T, cid, NOTE))


@pytest.mark.parametrize(
    "scopes, can_read, can_write",
    [
        (["accounting.attachments"], True, True),
        (["accounting.attachments.read"], True, False),
        (["accounting.transactions", "accounting.contacts", "accounting.settings"], False, False),
    ],
)
def test_attachments_of_every_parent(emu, xero, scopes, can_read, can_write):
    inv = create_invoice(xero)
    cid = contact_id(xero, "Basket Case")
    xero.accounting.create_invoice_attachment_by_file_name(T, inv.invoice_id, "a.pdf", b"%PDF-1.4")
    api = make_client(emu, scopes=scopes).accounting
    reads = (
        lambda: api.get_invoice_attachments(T, inv.invoice_id),
        lambda: api.get_invoice_attachment_by_file_name(T, inv.invoice_id, "a.pdf", "application/pdf"),
        lambda: api.get_contact_attachments(T, cid),
    )
    writes = (
        lambda: api.create_invoice_attachment_by_file_name(T, inv.invoice_id, "b.pdf", b"%PDF-1.4"),
        lambda: api.update_invoice_attachment_by_file_name(T, inv.invoice_id, "a.pdf", b"%PDF-1.5"),
        lambda: api.create_contact_attachment_by_file_name(T, cid, "c.pdf", b"%PDF-1.4"),
    )
    for allowed, calls in ((can_read, reads), (can_write, writes)):
        for call in calls:
            if allowed:
                call()
            else:
                refused(call)
