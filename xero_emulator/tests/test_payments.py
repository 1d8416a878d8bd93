"""Payments and credit note allocations through xero-python."""

from __future__ import annotations

import datetime
import json

import pytest
from helpers import create_credit_note, create_invoice, line, pay
from xero_python.accounting import Account, Allocation, Allocations, Invoice, Payment, PaymentDelete, Payments
from xero_python.exceptions import AccountingBadRequestException

from xero_emulator import DEMO

T = DEMO.tenant_id


def messages(exc) -> list[str]:
    return [v["Message"] for el in json.loads(exc.body)["Elements"] for v in el["ValidationErrors"]]


def test_partial_then_full_payment_then_delete(xero):
    inv = create_invoice(xero, status="AUTHORISED", lines=[line(100)])
    p1 = pay(xero, inv.invoice_id, 15)
    assert p1.status == "AUTHORISED" and p1.payment_type == "ACCRECPAYMENT" and float(p1.amount) == 15
    after = xero.accounting.get_invoice(T, inv.invoice_id).invoices[0]
    assert float(after.amount_due) == 100 and float(after.amount_paid) == 15 and after.status == "AUTHORISED"
    p2 = pay(xero, inv.invoice_id, 100)
    paid = xero.accounting.get_invoice(T, inv.invoice_id).invoices[0]
    assert (
        paid.status == "PAID" and float(paid.amount_due) == 0 and paid.fully_paid_on_date == datetime.date(2024, 2, 1)
    )
    assert {p.payment_id for p in paid.payments} == {p1.payment_id, p2.payment_id}
    deleted = xero.accounting.delete_payment(T, p2.payment_id, PaymentDelete(status="DELETED")).payments[0]
    assert deleted.status == "DELETED"
    back = xero.accounting.get_invoice(T, inv.invoice_id).invoices[0]
    assert back.status == "AUTHORISED" and float(back.amount_due) == 100 and len(back.payments) == 1
    with pytest.raises(AccountingBadRequestException):
        xero.accounting.delete_payment(T, p2.payment_id, PaymentDelete(status="DELETED"))
    listed = xero.accounting.get_payments(T, where='Status=="DELETED"').payments
    assert [p.payment_id for p in listed] == [p2.payment_id]


def test_overpayment_and_draft_refused(xero):
    inv = create_invoice(xero, status="AUTHORISED", lines=[line(10)])
    with pytest.raises(AccountingBadRequestException) as err:
        pay(xero, inv.invoice_id, 11.51)
    assert messages(err.value) == ["Payment amount exceeds the amount outstanding on this document"]
    draft = create_invoice(xero)
    with pytest.raises(AccountingBadRequestException) as err:
        pay(xero, draft.invoice_id, 1)
    assert "Payments can only be made against Authorised documents" in messages(err.value)


def test_payment_account_rules(xero):
    inv = create_invoice(xero, status="AUTHORISED", lines=[line(10)])
    with pytest.raises(AccountingBadRequestException) as err:
        pay(xero, inv.invoice_id, 1, account_code="200")
    assert "not a bank account" in messages(err.value)[0]
    assert pay(xero, inv.invoice_id, 1, account_code="095").account.code == "095"


def test_single_payment_via_post_and_two_payments_in_one_batch(xero):
    inv = create_invoice(xero, status="AUTHORISED", lines=[line(100)])
    one = xero.accounting.create_payment(
        T,
        Payment(
            invoice=Invoice(invoice_id=inv.invoice_id),
            account=Account(code="090"),
            amount=50,
            date=datetime.date(2024, 3, 1),
        ),
    )
    assert float(one.payments[0].amount) == 50
    batch = Payments(
        payments=[
            Payment(
                invoice=Invoice(invoice_id=inv.invoice_id),
                account=Account(code="090"),
                amount=40,
                date=datetime.date(2024, 3, 2),
            )
            for _ in range(2)
        ]
    )
    with pytest.raises(AccountingBadRequestException) as err:
        xero.accounting.create_payments(T, batch)
    assert messages(err.value) == ["Payment amount exceeds the amount outstanding on this document"]


def test_bill_payment_and_credit_note_allocation(xero):
    bill = create_invoice(
        xero, inv_type="ACCPAY", contact_name="ABC Furniture", status="AUTHORISED", lines=[line(200, account="429")]
    )
    assert pay(xero, bill.invoice_id, 230).payment_type == "ACCPAYPAYMENT"
    inv = create_invoice(xero, status="AUTHORISED", lines=[line(100)])
    cn = create_credit_note(xero, lines=[line(20)])
    assert float(cn.total) == 23 and float(cn.remaining_credit) == 23 and cn.credit_note_number == "CN-0001"
    res = xero.accounting.create_credit_note_allocation(
        T,
        cn.credit_note_id,
        Allocations(
            allocations=[
                Allocation(invoice=Invoice(invoice_id=inv.invoice_id), amount=23, date=datetime.date(2024, 2, 2))
            ]
        ),
    )
    assert float(res.allocations[0].amount) == 23
    inv_after = xero.accounting.get_invoice(T, inv.invoice_id).invoices[0]
    assert float(inv_after.amount_credited) == 23 and float(inv_after.amount_due) == 92
    cn_after = xero.accounting.get_credit_note(T, cn.credit_note_id).credit_notes[0]
    assert cn_after.status == "PAID" and float(cn_after.remaining_credit) == 0
    with pytest.raises(AccountingBadRequestException):
        xero.accounting.create_credit_note_allocation(
            T,
            cn.credit_note_id,
            Allocations(
                allocations=[
                    Allocation(invoice=Invoice(invoice_id=inv.invoice_id), amount=1, date=datetime.date(2024, 2, 2))
                ]
            ),
        )


def test_credit_note_refund_payment(xero):
    from xero_python.accounting import CreditNote

    cn = create_credit_note(xero, lines=[line(10)])
    refund = Payment(
        credit_note=CreditNote(credit_note_id=cn.credit_note_id),
        account=Account(code="090"),
        amount=11.5,
        date=datetime.date(2024, 2, 3),
    )
    paid = xero.accounting.create_payments(T, Payments(payments=[refund])).payments[0]
    assert paid.payment_type == "ARCREDITPAYMENT" and paid.credit_note.credit_note_id == cn.credit_note_id
    after = xero.accounting.get_credit_note(T, cn.credit_note_id).credit_notes[0]
    assert after.status == "PAID" and float(after.remaining_credit) == 0
