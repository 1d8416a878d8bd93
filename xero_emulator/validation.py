"""Xero's business rules for documents: totals, numbers, status transitions, amounts due."""

from __future__ import annotations

from decimal import Decimal

from .api import Batch, Change, Ctx
from .lines import lines_differ
from .util import dec, r2

STATUSES = ("DRAFT", "SUBMITTED", "AUTHORISED", "DELETED", "VOIDED", "PAID")
CREATABLE = ("DRAFT", "SUBMITTED", "AUTHORISED")
UNIQUE_NUMBER = {
    "Invoices": "Invoice # must be unique.",
    "CreditNotes": "Credit Note # must be unique.",
    "PurchaseOrders": "Order number must be unique",  # Xero's OpenAPI example of POST /PurchaseOrders
}


def check_sent_totals(el: dict, sums: dict, change: Change) -> None:
    """Totals sent by the client must equal the computed ones."""
    checks = (
        ("Total", "The document total does not equal the sum of the lines."),
        ("TotalTax", "The total tax does not equal the sum of the tax on the lines."),
        ("SubTotal", "The document subtotal does not equal the sum of the lines."),
    )
    for key, message in checks:
        if el.get(key) is None:
            continue
        try:
            sent = r2(dec(el[key]))
        except ValueError:
            change.fail(f"{key} must be a number.")
            continue
        if sent != sums[key]:
            change.fail(f"{message} ({key} sent {sent}, calculated {sums[key]})")


def check_number(ctx: Ctx, batch: Batch, kind, number, existing: dict | None, change: Change) -> None:
    """Numbers of sales invoices / sales credit notes / purchase orders are unique per organisation."""
    if number in (None, ""):
        return
    low = str(number).lower()
    if len(low) > 255:
        change.fail(f"{kind.label} number must be 255 characters or less.")
    holder = ctx.org.numbers[kind.numbered].get(low)
    if (holder and (existing is None or holder != existing[kind.id_field])) or low in batch.numbers.get(
        kind.numbered, ()
    ):
        change.fail(UNIQUE_NUMBER[kind.coll])


def paid_key(doc: dict) -> str:
    """Field holding payments made (credit notes keep it private: it is not in their schema)."""
    return "AmountPaid" if "InvoiceID" in doc else "_AmountPaid"


def credited_key(doc: dict) -> str:
    """Field holding credit allocated (private on credit notes)."""
    return "AmountCredited" if "InvoiceID" in doc else "_AmountCredited"


def money_applied(doc: dict) -> Decimal:
    """Payments and credits already applied to a document."""
    return dec(doc.get(paid_key(doc))) + dec(doc.get(credited_key(doc)))


def check_status(kind, existing: dict | None, new: dict, status: str, change: Change) -> None:
    """DRAFT -> SUBMITTED -> AUTHORISED -> PAID; DELETED from DRAFT/SUBMITTED; VOIDED from AUTHORISED."""
    label = kind.label
    if status not in STATUSES:
        change.fail(f"Status '{status}' is not a valid {label.lower()} status.")
        return
    if existing is None:
        if status not in CREATABLE:
            change.fail(f"{label} not of valid status for creation")
        return
    old = existing["Status"]
    changed = (
        lines_differ(existing.get("LineItems") or [], new.get("LineItems") or [])
        or existing.get("Contact", {}).get("ContactID") != new.get("Contact", {}).get("ContactID")
        or existing.get("CurrencyCode") != new.get("CurrencyCode")
        or existing.get("LineAmountTypes") != new.get("LineAmountTypes")
    )
    has_money = money_applied(existing) > 0
    invalid = f"{label} not of valid status for modification"
    if old in ("DELETED", "VOIDED", "PAID"):
        if status != old or changed:
            change.fail(invalid)
        return
    if status == "PAID":
        change.fail(invalid)
    elif old == "AUTHORISED":
        if status in ("DRAFT", "SUBMITTED", "DELETED"):
            change.fail(invalid)
        elif status == "VOIDED" and has_money:
            change.fail("This document cannot be voided as it has payments allocated")
        elif changed and has_money:
            change.fail("This document cannot be edited as it has a payment or credit note allocated to it.")
    elif status == "VOIDED":
        change.fail(invalid)


def check_amounts(kind, existing: dict | None, new: dict, change: Change) -> None:
    """The total may not drop below what was already paid or credited."""
    if existing is None or change.errors:
        return
    if r2(dec(new.get("Total"))) < r2(money_applied(existing)):
        change.fail("The document total cannot be less than the amount already paid or credited.")


def refresh_due(kind, doc: dict) -> None:
    """Recompute AmountDue / RemainingCredit and move AUTHORISED <-> PAID."""
    total = r2(dec(doc.get("Total")))
    applied = r2(money_applied(doc))
    due = r2(total - applied)
    if kind.coll == "Invoices":
        doc["AmountDue"] = float(due)
    else:
        doc["RemainingCredit"] = float(due)
        doc["AppliedAmount"] = float(applied)
    if doc.get("Status") == "AUTHORISED" and due <= 0 and applied > 0:
        doc["Status"] = "PAID"
    elif doc.get("Status") == "PAID" and due > 0:
        doc["Status"] = "AUTHORISED"
        doc.pop("FullyPaidOnDate", None)
