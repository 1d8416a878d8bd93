"""Payment mapper: an Odoo payment applied to one document → Xero Payment
element, and a Xero Payment element → plain values for Odoo.

Holds no ORM writes: the callers (``models/account_payment_xero.py`` and
``models/xero_payment_import.py``) decide what to do with the values.
"""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime

MS_DATE_RE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")


# ---------------------------------------------------------------- dates
def parse_xero_datetime(value):
    """A Xero date (``/Date(ms+0000)/`` or ISO) as a naive UTC datetime, or None."""
    if not value:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    text = str(value).strip()
    match = MS_DATE_RE.match(text)
    if match:
        return datetime(1970, 1, 1) + timedelta(milliseconds=int(match.group(1)))
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed


def parse_xero_date(value):
    """The calendar date of a Xero date field, or None."""
    parsed = parse_xero_datetime(value)
    return parsed.date() if parsed else None


def if_modified_since(moment):
    """``If-Modified-Since`` header value for a naive UTC datetime.

    Second precision, as Xero reads it: records updated in that very second
    are returned again next time, which costs nothing (imports are idempotent)
    and never misses a record updated later in the same second."""
    return moment.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%S")


def newest(elements, current=None):
    """Latest ``UpdatedDateUTC`` of ``elements`` (naive UTC), at least ``current``."""
    best = current
    for element in elements:
        stamp = parse_xero_datetime(element.get("UpdatedDateUTC"))
        if stamp and (best is None or stamp > best):
            best = stamp
    return best


def server_time(headers):
    """Naive UTC time of an answer's ``Date`` header (Xero's clock), or None.

    The cursor of a poll is the time its first page was served: anything
    changed while the pages were read is read again next time."""
    value = {k.lower(): v for k, v in (headers or {}).items()}.get("date")
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def guid_clause(field, ids):
    """``where`` clause matching any of ``ids`` (already checked to be UUIDs)."""
    return " OR ".join(f'{field}==Guid("{xid}")' for xid in ids)


UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def is_uuid(value):
    return isinstance(value, str) and bool(UUID_RE.match(value))


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
