"""Attachments (limits, types, bytes) and History through xero-python."""

from __future__ import annotations

import json

import pytest
from helpers import contact_id, create_credit_note, create_invoice
from xero_python.accounting import HistoryRecord, HistoryRecords
from xero_python.exceptions import AccountingBadRequestException, HTTPStatusException, NotFoundException

from xero_emulator import DEMO

T = DEMO.tenant_id
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_invoice_attachment_roundtrip(xero):
    inv = create_invoice(xero)
    api = xero.accounting
    res = api.create_invoice_attachment_by_file_name(T, inv.invoice_id, "invoice.pdf", PDF, include_online=True)
    att = res.attachments[0]
    assert att.file_name == "invoice.pdf" and att.mime_type == "application/pdf"
    assert att.content_length == len(PDF) and att.include_online is True
    listed = api.get_invoice_attachments(T, inv.invoice_id).attachments
    assert [a.attachment_id for a in listed] == [att.attachment_id]
    path = api.get_invoice_attachment_by_file_name(T, inv.invoice_id, "invoice.pdf", "application/pdf")
    with open(path, "rb") as fh:
        assert fh.read() == PDF
    path = api.get_invoice_attachment_by_id(T, inv.invoice_id, att.attachment_id, "application/pdf")
    with open(path, "rb") as fh:
        assert fh.read() == PDF
    assert api.get_invoice(T, inv.invoice_id).invoices[0].has_attachments is True
    replaced = api.update_invoice_attachment_by_file_name(T, inv.invoice_id, "invoice.pdf", PDF + b"x")
    assert replaced.attachments[0].attachment_id == att.attachment_id
    assert replaced.attachments[0].content_length == len(PDF) + 1
    with pytest.raises(NotFoundException):
        api.get_invoice_attachment_by_file_name(T, inv.invoice_id, "missing.pdf", "application/pdf")


def test_attachment_limits(xero):
    inv = create_invoice(xero)
    api = xero.accounting
    for i in range(10):
        api.create_invoice_attachment_by_file_name(T, inv.invoice_id, f"scan{i}.png", b"\x89PNG....")
    with pytest.raises(AccountingBadRequestException) as err:
        api.create_invoice_attachment_by_file_name(T, inv.invoice_id, "eleven.png", b"\x89PNG....")
    assert "maximum of 10 attachments" in err.value.reason
    cn = create_credit_note(xero)
    with pytest.raises(AccountingBadRequestException) as err:
        api.create_credit_note_attachment_by_file_name(T, cn.credit_note_id, "virus.exe", b"MZ....")
    assert "not supported" in err.value.reason
    with pytest.raises(HTTPStatusException) as err:
        api.create_credit_note_attachment_by_file_name(T, cn.credit_note_id, "huge.pdf", b"0" * (10 * 1024 * 1024 + 1))
    assert err.value.status == 413 and "10 MB" in json.loads(err.value.body)["Message"]
    ok = api.create_credit_note_attachment_by_file_name(T, cn.credit_note_id, "fine.pdf", b"0" * (10 * 1024 * 1024))
    assert ok.attachments[0].content_length == 10 * 1024 * 1024


def test_contact_attachment(xero):
    cid = contact_id(xero, "Basket Case")
    api = xero.accounting
    api.create_contact_attachment_by_file_name(T, cid, "contract.docx", b"PK\x03\x04docx")
    listed = api.get_contact_attachments(T, cid).attachments
    assert listed[0].file_name == "contract.docx" and "wordprocessingml" in listed[0].mime_type
    assert api.get_contact(T, cid).contacts[0].has_attachments is True


def test_history_notes(xero):
    inv = create_invoice(xero)
    api = xero.accounting
    added = api.create_invoice_history(
        T, inv.invoice_id, HistoryRecords(history_records=[HistoryRecord(details="Called the customer")])
    )
    assert added.history_records[0].details == "Called the customer"
    records = api.get_invoice_history(T, inv.invoice_id).history_records
    assert [r.changes for r in records] == ["Created", "Note"] and records[0].date_utc is not None
    with pytest.raises(AccountingBadRequestException):
        api.create_invoice_history(T, inv.invoice_id, HistoryRecords(history_records=[HistoryRecord(details="")]))
    cid = contact_id(xero, "Bayside Club")
    api.create_contact_history(T, cid, HistoryRecords(history_records=[HistoryRecord(details="VIP")]))
    assert api.get_contact_history(T, cid).history_records[-1].details == "VIP"
    cn = create_credit_note(xero)
    api.create_credit_note_history(
        T, cn.credit_note_id, HistoryRecords(history_records=[HistoryRecord(details="cn note")])
    )
    assert [r.details for r in api.get_credit_note_history(T, cn.credit_note_id).history_records][-1] == "cn note"


def test_attachments_need_their_scope(emu):
    from conftest import make_client

    limited = make_client(emu, scopes=["accounting.transactions"])
    inv = create_invoice(limited)
    with pytest.raises(HTTPStatusException) as err:
        limited.accounting.create_invoice_attachment_by_file_name(T, inv.invoice_id, "a.pdf", PDF)
    assert err.value.status == 401
    reader = make_client(emu, scopes=["accounting.transactions", "accounting.attachments.read"])
    assert reader.accounting.get_invoice_attachments(T, inv.invoice_id).attachments == []
    with pytest.raises(HTTPStatusException):
        reader.accounting.create_invoice_attachment_by_file_name(T, inv.invoice_id, "a.pdf", PDF)
