"""Payment mapper: an Odoo payment applied to one document → Xero Payment
element, and a Xero Payment element → plain values for Odoo.

Holds no ORM: the callers (the payment exporter and importer in ``sync/``)
decide what to do with the values.
"""

from dataclasses import dataclass
from datetime import date, datetime

from ..util import parse_xero_date, parse_xero_datetime


# ---------------------------------------------------------------- Odoo → Xero
def to_xero(document_kind, document_xero_id, amount, payment_date, bank_account, reference,
            currency_rate=None):
    """The Xero Payment element of one Odoo payment applied to one document.

    ``document_kind`` is ``"invoice"`` or ``"credit_note"``; ``amount`` is in
    the document's currency; ``bank_account`` the ``xero.account`` (mirror
    of the Xero bank account: its code, as document lines use, else its
    AccountID); ``currency_rate`` (units of the document currency per unit
    of the organisation's base currency) only for foreign currency documents."""
    account = {"Code": bank_account.code} if bank_account.code else {"AccountID": bank_account.xero_id}
    element = {
        "Date": payment_date.isoformat() if isinstance(payment_date, date) else payment_date,
        "Amount": round(float(amount), 2),
        "Account": account,
        "Reference": (reference or "")[:255],
    }
    if document_kind == "credit_note":
        element["CreditNote"] = {"CreditNoteID": document_xero_id}
    else:
        element["Invoice"] = {"InvoiceID": document_xero_id}
    if currency_rate:
        element["CurrencyRate"] = round(float(currency_rate), 6)
    return element


# ---------------------------------------------------------------- Xero → Odoo
@dataclass
class XeroPayment:
    """What Odoo needs to know about one Xero payment."""

    payment_id: str
    status: str
    amount: float
    date: date
    reference: str
    account_id: str
    account_code: str
    document_kind: str
    document_id: str
    document_number: str
    updated: datetime

    @property
    def deleted(self):
        return self.status == "DELETED"


def from_xero(element):
    """Plain values of a Xero Payment element (``None`` when it settles no
    invoice or credit note: prepayments, overpayments and batch lines are not
    Odoo documents this addon sent)."""
    if element.get("Invoice", {}).get("InvoiceID"):
        kind, doc = "invoice", element["Invoice"]
        doc_id, number = doc["InvoiceID"], doc.get("InvoiceNumber") or ""
    elif element.get("CreditNote", {}).get("CreditNoteID"):
        kind, doc = "credit_note", element["CreditNote"]
        doc_id, number = doc["CreditNoteID"], doc.get("CreditNoteNumber") or ""
    else:
        return None
    account = element.get("Account") or {}
    return XeroPayment(
        payment_id=element.get("PaymentID") or "",
        status=(element.get("Status") or "AUTHORISED").upper(),
        amount=float(element.get("Amount") or 0.0),
        date=parse_xero_date(element.get("Date")),
        reference=element.get("Reference") or "",
        account_id=account.get("AccountID") or "",
        account_code=account.get("Code") or "",
        document_kind=kind,
        document_id=doc_id,
        document_number=number,
        updated=parse_xero_datetime(element.get("UpdatedDateUTC")),
    )
