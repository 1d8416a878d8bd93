"""Small builders shared by the tests."""

from __future__ import annotations

import datetime
import json

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
    PurchaseOrder,
    PurchaseOrders,
)
from xero_python.exceptions import AccountingBadRequestException

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


def errors_of(exc: AccountingBadRequestException) -> list[str]:
    """All validation messages of a 400 ValidationException."""
    data = json.loads(exc.body)
    assert data["Type"] == "ValidationException" and data["ErrorNumber"] == 10
    return [v["Message"] for el in data["Elements"] for v in el["ValidationErrors"]]


def po_line(amount=100, qty=1, account="429", **kw) -> LineItem:
    """A purchase order line (General Expenses)."""
    return line(amount, qty, account, kw.pop("tax_type", None), description=kw.pop("description", "Chairs"), **kw)


def po(contact: str, lines=None, **kw) -> PurchaseOrder:
    """A purchase order model for an existing contact (by ContactID)."""
    return PurchaseOrder(contact=Contact(contact_id=contact), line_items=lines or [po_line()], **kw)


def create_po(xero, contact: str, **kw) -> PurchaseOrder:
    """Create one purchase order through the SDK and return the model."""
    body = PurchaseOrders(purchase_orders=[po(contact, **kw)])
    return xero.accounting.create_purchase_orders(DEMO.tenant_id, body).purchase_orders[0]


def update_po(xero, po_id: str, **kw) -> PurchaseOrder:
    """POST /PurchaseOrders/{id} with the given fields only."""
    body = PurchaseOrders(purchase_orders=[PurchaseOrder(**kw)])
    return xero.accounting.update_purchase_order(DEMO.tenant_id, po_id, body).purchase_orders[0]
