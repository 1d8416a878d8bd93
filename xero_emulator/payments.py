"""Payments (create, list, delete via Status DELETED) and credit note allocations."""

from __future__ import annotations

from decimal import Decimal

from . import contacts, validation
from .api import (
    Batch,
    Change,
    Ctx,
    elements_of,
    find,
    list_objects,
    ok,
    run_batch,
    validation_error,
)
from .documents import CREDIT, INVOICE, find_doc
from .util import day_ms, dec, ms_date, new_id, parse_date_ms, public, r2

PAYMENT_TYPES = {
    "ACCREC": "ACCRECPAYMENT",
    "ACCPAY": "ACCPAYPAYMENT",
    "ACCRECCREDIT": "ARCREDITPAYMENT",
    "ACCPAYCREDIT": "APCREDITPAYMENT",
}


def render(obj: dict) -> dict:
    """A payment as the API returns it."""
    return public(obj)


def _doc_summary(ctx: Ctx, doc: dict, kind) -> dict:
    contact = ctx.org.data["Contacts"].get(doc["Contact"]["ContactID"])
    out = {
        kind.id_field: doc[kind.id_field],
        "Type": doc["Type"],
        "CurrencyCode": doc.get("CurrencyCode"),
        "Contact": contacts.summary(contact) if contact else dict(doc["Contact"]),
        "IsDiscounted": False,
        "HasErrors": False,
        "LineItems": [],
        "Payments": [],
        "CreditNotes": [],
        "Prepayments": [],
        "Overpayments": [],
        "HasAttachments": False,
    }
    if doc.get(kind.number_field):
        out[kind.number_field] = doc[kind.number_field]
    if kind is CREDIT:
        out.pop("CreditNotes")
        out.pop("Prepayments")
        out.pop("Overpayments")
        out.pop("IsDiscounted")
    return out


def _find_account(ctx: Ctx, spec, change: Change):
    if not isinstance(spec, dict) or not (spec.get("AccountID") or spec.get("Code")):
        change.fail("An Account must be specified for this payment.")
        return None
    acc = ctx.org.data["Accounts"].get(spec.get("AccountID") or "") or (
        ctx.org.account_by_code(spec["Code"]) if spec.get("Code") else None
    )
    if acc is None or acc.get("Status") != "ACTIVE":
        change.fail("Account could not be found")
        return None
    if acc.get("Type") != "BANK" and not acc.get("EnablePaymentsToAccount"):
        change.fail(f"Account code '{acc['Code']}' is not a bank account and does not have payments enabled.")
        return None
    return acc


def prepare(ctx: Ctx, batch: Batch, change: Change) -> None:
    """Validate one payment element and stage it."""
    el = change.element
    if isinstance(el.get("Invoice"), dict) and (el["Invoice"].get("InvoiceID") or el["Invoice"].get("InvoiceNumber")):
        kind, ref = INVOICE, el["Invoice"]
    elif isinstance(el.get("CreditNote"), dict) and (
        el["CreditNote"].get("CreditNoteID") or el["CreditNote"].get("CreditNoteNumber")
    ):
        kind, ref = CREDIT, el["CreditNote"]
    else:
        change.fail("You must specify either an Invoice, CreditNote, Prepayment or Overpayment for the payment.")
        return
    doc = find_doc(ctx, kind, str(ref.get(kind.id_field) or ref.get(kind.number_field)))
    if doc is None:
        change.fail(f"{kind.label} could not be found")
        return
    account = _find_account(ctx, el.get("Account"), change)
    try:
        amount = r2(dec(el.get("Amount")))
    except ValueError:
        change.fail("Payment amount must be a number.")
        return
    if amount <= 0:
        change.fail("Payment amount must be greater than zero.")
    if doc["Status"] != "AUTHORISED":
        change.fail("Payments can only be made against Authorised documents")
    pending = batch.applied.get(doc[kind.id_field], Decimal(0))
    due = r2(dec(doc.get("AmountDue" if kind is INVOICE else "RemainingCredit")) - pending)
    if amount > due:
        change.fail("Payment amount exceeds the amount outstanding on this document")
    date_ms = parse_date_ms(el.get("Date")) if el.get("Date") else ctx.now_ms
    if date_ms is None:
        change.fail(f"Date '{el.get('Date')}' is not a valid date.")
    if change.errors:
        return
    batch.applied[doc[kind.id_field]] = pending + amount
    rate = el.get("CurrencyRate") or doc.get("CurrencyRate") or 1.0

    def apply():
        pid = new_id()
        date = ms_date(day_ms(date_ms))
        payment = {
            "PaymentID": pid,
            "Date": date,
            "BankAmount": float(amount),
            "Amount": float(amount),
            "Reference": el.get("Reference", ""),
            "CurrencyRate": float(rate),
            "PaymentType": PAYMENT_TYPES[doc["Type"]],
            "Status": "AUTHORISED",
            "IsReconciled": bool(el.get("IsReconciled", False)),
            "HasAccount": True,
            "HasValidationErrors": False,
            "Account": {"AccountID": account["AccountID"], "Code": account["Code"], "Name": account["Name"]},
            kind.label.replace(" ", ""): _doc_summary(ctx, doc, kind),
        }
        for key in ("Details", "Particulars", "Code", "BankAccountNumber"):
            if el.get(key):
                payment[key] = el[key]
        ctx.stamp(payment)
        ctx.org.data["Payments"][pid] = payment
        key = validation.paid_key(doc)
        doc[key] = float(r2(dec(doc.get(key)) + amount))
        doc.setdefault("Payments", []).append(
            {
                "PaymentID": pid,
                "Date": date,
                "Amount": float(amount),
                "Reference": payment["Reference"],
                "CurrencyRate": float(rate),
                "HasAccount": True,
                "HasValidationErrors": False,
            }
        )
        validation.refresh_due(kind, doc)
        if doc["Status"] == "PAID":
            doc["FullyPaidOnDate"] = date
        ctx.stamp(doc)
        ctx.history(
            doc[kind.id_field],
            "Payment Received" if kind is INVOICE else "Refund",
            f"Payment of {amount:.2f} made on {date}.",
            ctx.provider,
        )
        ctx.history(pid, "Created", f"Payment of {amount:.2f} created.", ctx.provider)
        ctx.event(
            kind.category, "UPDATE", kind.coll, doc[kind.id_field], {"Type": doc["Type"], "Status": doc["Status"]}
        )
        return payment

    change.apply = apply


def _delete(ctx: Ctx, payment: dict) -> Change:
    change = Change(ctx.req.json() if ctx.req.body else {})
    body = change.element if isinstance(change.element, dict) else {}
    status = body.get("Status") or (body.get("Payments") or [{}])[0].get("Status")
    if str(status).upper() != "DELETED":
        change.fail("Only the Status of a payment can be changed, and only to DELETED.")
    if payment["Status"] == "DELETED":
        change.fail("This payment has already been deleted.")
    return change


def delete(ctx: Ctx, pid: str):
    """POST /Payments/{PaymentID} {"Status": "DELETED"}: remove the payment from its document."""
    payment = find(ctx, "Payments", pid)
    change = _delete(ctx, payment)
    if change.errors:
        raise validation_error(change.errors[0]["Message"], {"PaymentID": pid})
    kind = INVOICE if "Invoice" in payment else CREDIT
    doc = ctx.org.data[kind.coll].get(payment[kind.label.replace(" ", "")][kind.id_field])
    payment["Status"] = "DELETED"
    ctx.stamp(payment)
    if doc is not None:
        amount = dec(payment["Amount"])
        key = validation.paid_key(doc)
        doc[key] = float(r2(dec(doc.get(key)) - amount))
        doc["Payments"] = [p for p in doc.get("Payments", []) if p["PaymentID"] != pid]
        validation.refresh_due(kind, doc)
        ctx.stamp(doc)
        ctx.history(doc[kind.id_field], "Payment Deleted", f"Payment of {amount:.2f} deleted.", ctx.provider)
        ctx.event(
            kind.category, "UPDATE", kind.coll, doc[kind.id_field], {"Type": doc["Type"], "Status": doc["Status"]}
        )
    ctx.store.dirty = True
    return ok(ctx, "Payments", [render(payment)])


def handle(ctx: Ctx):
    """Dispatch /Payments requests."""
    req = ctx.req
    pid = req.params.get("PaymentID")
    if req.method == "GET" and pid is None:
        return list_objects(ctx, ctx.org.data["Payments"].values(), "Payments", render, id_field="PaymentID")
    if req.method == "GET":
        return ok(ctx, "Payments", [render(find(ctx, "Payments", pid))])
    if pid is not None:
        return delete(ctx, pid)
    return run_batch(ctx, "Payments", elements_of(ctx, "Payments"), prepare, render, "HasValidationErrors")


# -- credit note allocations -------------------------------------------------------------
def allocate(ctx: Ctx, credit_id: str):
    """PUT /CreditNotes/{id}/Allocations: apply credit to invoices of the same contact."""
    credit = find_doc(ctx, CREDIT, credit_id)
    if credit is None:
        from .api import not_found

        raise not_found()

    def prepare_alloc(ctx: Ctx, batch: Batch, change: Change) -> None:
        el = change.element
        inv_ref = el.get("Invoice") or {}
        inv = find_doc(ctx, INVOICE, str(inv_ref.get("InvoiceID") or inv_ref.get("InvoiceNumber") or ""))
        if inv is None:
            change.fail("Invoice could not be found")
            return
        try:
            amount = r2(dec(el.get("Amount")))
        except ValueError:
            change.fail("Amount must be a number.")
            return
        if credit["Status"] != "AUTHORISED" or inv["Status"] != "AUTHORISED":
            change.fail("Allocations can only be made between Authorised documents")
        expected = "ACCREC" if credit["Type"] == "ACCRECCREDIT" else "ACCPAY"
        if inv["Type"] != expected or inv["Contact"]["ContactID"] != credit["Contact"]["ContactID"]:
            change.fail("The credit note and the invoice must have the same type and contact.")
        if inv.get("CurrencyCode") != credit.get("CurrencyCode"):
            change.fail("The credit note and the invoice must have the same currency.")
        if amount <= 0:
            change.fail("Allocation amount must be greater than zero.")
        used = batch.applied.get(credit["CreditNoteID"], Decimal(0))
        inv_used = batch.applied.get(inv["InvoiceID"], Decimal(0))
        if amount > r2(dec(credit.get("RemainingCredit")) - used):
            change.fail("The amount being allocated exceeds the remaining credit on the credit note.")
        if amount > r2(dec(inv.get("AmountDue")) - inv_used):
            change.fail("The amount being allocated exceeds the amount outstanding on the invoice.")
        if change.errors:
            return
        batch.applied[credit["CreditNoteID"]] = used + amount
        batch.applied[inv["InvoiceID"]] = inv_used + amount
        date_ms = parse_date_ms(el.get("Date")) or ctx.now_ms

        def apply():
            alloc = {
                "AllocationID": new_id(),
                "Amount": float(amount),
                "Date": ms_date(day_ms(date_ms)),
                "Invoice": {
                    "InvoiceID": inv["InvoiceID"],
                    "InvoiceNumber": inv.get("InvoiceNumber", ""),
                    "Payments": [],
                    "CreditNotes": [],
                    "Prepayments": [],
                    "Overpayments": [],
                    "HasErrors": False,
                    "IsDiscounted": False,
                    "HasAttachments": False,
                },
                "CreditNote": {
                    "CreditNoteID": credit["CreditNoteID"],
                    "CreditNoteNumber": credit.get("CreditNoteNumber", ""),
                },
                "IsDeleted": False,
            }
            credit.setdefault("Allocations", []).append(alloc)
            credit["_AmountCredited"] = float(r2(dec(credit.get("_AmountCredited")) + amount))
            inv["AmountCredited"] = float(r2(dec(inv.get("AmountCredited")) + amount))
            inv.setdefault("CreditNotes", []).append(
                {
                    "CreditNoteID": credit["CreditNoteID"],
                    "CreditNoteNumber": credit.get("CreditNoteNumber", ""),
                    "AppliedAmount": float(amount),
                    "Total": credit.get("Total"),
                    "Date": alloc["Date"],
                }
            )
            for kind, doc in ((CREDIT, credit), (INVOICE, inv)):
                validation.refresh_due(kind, doc)
                if doc["Status"] == "PAID":
                    doc["FullyPaidOnDate"] = alloc["Date"]
                ctx.stamp(doc)
                ctx.event(
                    kind.category,
                    "UPDATE",
                    kind.coll,
                    doc[kind.id_field],
                    {"Type": doc["Type"], "Status": doc["Status"]},
                )
            return alloc

        change.apply = apply

    return run_batch(ctx, "Allocations", elements_of(ctx, "Allocations"), prepare_alloc, public)
