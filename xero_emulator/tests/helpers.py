"""Small builders shared by the tests."""

from __future__ import annotations

import datetime

from xero_python.accounting import (
    Account,
    Contact,
    CreditNote,
    CreditNotes,
    Invoice,
    Invoices,
    LineItem,
    Payment,
    Payments,
)

from xero_emulator import DEMO


def contact_id(xero, name: str) -> str:
    """ContactID of a demo contact by name."""
    found = xero.accounting.get_contacts(DEMO.tenant_id, where=f'Name=="{name}"', include_archived=True)
    return found.contacts[0].contact_id


def line(amount=100, qty=1, account="200", tax=None, **kw) -> LineItem:
    """A line item."""
    return LineItem(
        description=kw.pop("description", "Consulting"),
        quantity=qty,
        unit_amount=amount,
        account_code=account,
        tax_type=tax,
        **kw,
    )


def invoice(contact_name="Basket Case", lines=None, status="DRAFT", inv_type="ACCREC", **kw) -> Invoice:
    """An invoice model (contact by name)."""
    return Invoice(type=inv_type, contact=Contact(name=contact_name), line_items=lines or [line()], status=status, **kw)


def create_invoice(xero, **kw):
    """Create one invoice through the SDK and return the model."""
    return xero.accounting.create_invoices(DEMO.tenant_id, Invoices(invoices=[invoice(**kw)])).invoices[0]


def credit_note(contact_name="Basket Case", lines=None, status="AUTHORISED", cn_type="ACCRECCREDIT") -> CreditNote:
    """A credit note model."""
    return CreditNote(type=cn_type, contact=Contact(name=contact_name), line_items=lines or [line(20)], status=status)


def create_credit_note(xero, **kw):
    """Create one credit note and return the model."""
    return xero.accounting.create_credit_notes(
        DEMO.tenant_id, CreditNotes(credit_notes=[credit_note(**kw)])
    ).credit_notes[0]


def pay(xero, invoice_id, amount, account_code="090"):
    """Create a payment on an invoice."""
    from xero_python.accounting import Invoice as Inv

    payment = Payment(
        invoice=Inv(invoice_id=invoice_id),
        account=Account(code=account_code),
        amount=amount,
        date=datetime.date(2024, 2, 1),
    )
    return xero.accounting.create_payments(DEMO.tenant_id, Payments(payments=[payment])).payments[0]
