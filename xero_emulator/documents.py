"""Invoices (ACCREC/ACCPAY) and credit notes (ACCRECCREDIT/ACCPAYCREDIT)."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from decimal import Decimal

from . import contacts, lines, validation
from .api import (
    Batch,
    Change,
    Ctx,
    bool_param,
    csv_param,
    elements_of,
    list_objects,
    not_found,
    ok,
    run_batch,
)
from .util import day_ms, dec, is_uuid, ms_date, new_id, parse_date_ms, public, r2

CURRENCY_RATES = {"USD": "1.0", "EUR": "0.92", "GBP": "0.79", "AUD": "1.52", "NZD": "1.65"}


@dataclass(frozen=True)
class Kind:
    """What differs between invoices and credit notes."""

    coll: str
    id_field: str
    number_field: str
    types: tuple
    numbered: str
    prefix: str
    label: str
    category: str


INVOICE = Kind("Invoices", "InvoiceID", "InvoiceNumber", ("ACCREC", "ACCPAY"), "ACCREC", "INV", "Invoice", "INVOICE")
CREDIT = Kind(
    "CreditNotes",
    "CreditNoteID",
    "CreditNoteNumber",
    ("ACCRECCREDIT", "ACCPAYCREDIT"),
    "ACCRECCREDIT",
    "CN",
    "Credit Note",
    "CREDITNOTE",
)
PURCHASE_ORDER = Kind(
    "PurchaseOrders",
    "PurchaseOrderID",
    "PurchaseOrderNumber",
    ("PURCHASEORDER",),
    "PURCHASEORDER",
    "PO",
    "Purchase order",
    "PURCHASEORDER",  # no webhook category: Xero sends no purchase order events
)
KINDS = {k.coll: k for k in (INVOICE, CREDIT, PURCHASE_ORDER)}
EDITABLE = {"Reference", "SentToContact", "ExpectedPaymentDate", "PlannedPaymentDate", "BrandingThemeID", "Url"}


def kind_of(coll: str) -> Kind:
    """INVOICE or CREDIT by collection name."""
    return INVOICE if coll == "Invoices" else CREDIT


def render_fn(ctx: Ctx, kind: Kind):
    """Renderer that refreshes the embedded contact summary."""
    contacts_data = ctx.org.data["Contacts"]

    def render(obj: dict) -> dict:
        out = public(obj)
        c = contacts_data.get((obj.get("Contact") or {}).get("ContactID"))
        if c is not None:
            out["Contact"] = contacts.summary(c)
        out["HasAttachments"] = bool(ctx.org.attachments.get(obj[kind.id_field]))
        return out

    return render


def find_doc(ctx: Ctx, kind: Kind, key: str) -> dict | None:
    """A document by id, or by number."""
    data = ctx.org.data[kind.coll]
    if is_uuid(key):
        return data.get(key) or data.get(key.lower())
    did = ctx.org.numbers[kind.numbered].get(key.lower())
    if did:
        return data.get(did)
    return next((d for d in data.values() if d.get(kind.number_field) == key), None)


def resolve_contact(ctx: Ctx, batch: Batch, spec, change: Change):  # noqa: PLR0911 - guard clauses
    """The contact of a document: existing by ID/number/name, or created inline by name."""
    org = ctx.org
    if not isinstance(spec, dict) or not (spec.get("ContactID") or spec.get("Name") or spec.get("ContactNumber")):
        change.fail("A Contact must be specified for this type of transaction")
        return None, None
    if spec.get("ContactID"):
        c = org.data["Contacts"].get(spec["ContactID"]) or org.data["Contacts"].get(str(spec["ContactID"]).lower())
        if c is None:
            change.fail(f"The contact with ContactID {spec['ContactID']} could not be found.")
            return None, None
    elif spec.get("ContactNumber"):
        c = next((x for x in org.data["Contacts"].values() if x.get("ContactNumber") == spec["ContactNumber"]), None)
        if c is None:
            change.fail(f"The contact with ContactNumber {spec['ContactNumber']} could not be found.")
            return None, None
    else:
        name = str(spec["Name"]).strip()
        cid = org.contact_names.get(name.lower()) or org.archived_names.get(name.lower())
        if cid:
            c = org.data["Contacts"][cid]
        else:
            pending = batch.new_contacts.get(name.lower())
            if pending is None:
                if name.lower() in batch.names:
                    change.fail(contacts.name_taken_message(name))
                    return None, None
                fields = {k: copy.deepcopy(v) for k, v in spec.items() if k not in contacts.READ_ONLY}
                fields["Name"] = name
                pending = contacts.new_contact(ctx, fields)
                batch.new_contacts[name.lower()] = pending
            return pending, pending
    if c.get("ContactStatus") == "ARCHIVED":
        change.fail(f"The contact '{c.get('Name')}' is archived. Transactions cannot be created for archived contacts.")
        return None, None
    return c, None


def _locate(ctx: Ctx, kind: Kind, el: dict, change: Change):
    """The stored document an element refers to (path id, element id, or POSTed ACCREC number)."""
    path_id = ctx.req.params.get(kind.id_field)
    if path_id:
        return find_doc(ctx, kind, path_id)
    if el.get(kind.id_field):
        existing = find_doc(ctx, kind, str(el[kind.id_field]))
        if existing is None:
            change.fail(f"{kind.label} could not be found")
        return existing
    numbered = str(el.get("Type", kind.numbered)).upper() == kind.numbered
    if ctx.req.method == "POST" and el.get(kind.number_field) and numbered:
        return find_doc(ctx, kind, str(el[kind.number_field]))
    return None


def _blank(kind: Kind, doc_type: str) -> dict:
    """A new document before the element's fields are applied."""
    new = {kind.id_field: new_id(), "Type": doc_type, "Status": "DRAFT", "LineItems": [], "Payments": []}
    prefix = "" if kind is INVOICE else "_"
    new.update({prefix + "AmountPaid": 0.0, prefix + "AmountCredited": 0.0})
    if kind is INVOICE:
        new.update({"CreditNotes": [], "Prepayments": [], "Overpayments": [], "IsDiscounted": False})
    else:
        new["Allocations"] = []
    return new


def apply_dates_and_currency(
    ctx: Ctx, el: dict, new: dict, existing: dict | None, change: Change, date_keys=("Date", "DueDate")
) -> None:
    """Dates (``date_keys``, truncated to the day; Date defaults to today), CurrencyCode and CurrencyRate."""
    org = ctx.org
    for key in date_keys:
        if el.get(key) not in (None, ""):
            ms = parse_date_ms(el[key])
            if ms is None:
                change.fail(f"{key} '{el[key]}' is not a valid date.")
            else:
                new[key] = ms_date(day_ms(ms))
    new.setdefault("Date", ms_date(day_ms(ctx.now_ms)))
    base = org.organisation["BaseCurrency"]
    cur = str(el.get("CurrencyCode") or new.get("CurrencyCode") or base).upper()
    if cur not in org.data["Currencies"]:
        change.fail(f"Organisation is not subscribed to currency {cur}")
    new["CurrencyCode"] = cur
    if el.get("CurrencyRate") is not None:
        new["CurrencyRate"] = float(el["CurrencyRate"])
    elif "CurrencyRate" not in new or cur != (existing or {}).get("CurrencyCode"):
        new["CurrencyRate"] = float(CURRENCY_RATES.get(cur, "1.0")) if cur != base else 1.0


def apply_lines(ctx: Ctx, el: dict, new: dict, existing: dict | None, change: Change) -> None:
    """LineAmountTypes, line items and totals (recomputed when lines or the tax mode change)."""
    lat_raw = el.get("LineAmountTypes") or new.get("LineAmountTypes") or "Exclusive"
    lat = lines.LINE_AMOUNT_TYPES.get(str(lat_raw).lower())
    if lat is None:
        change.fail(f"LineAmountTypes '{lat_raw}' is not valid (Exclusive, Inclusive or NoTax).")
        lat = "Exclusive"
    new["LineAmountTypes"] = lat
    if "LineItems" not in el and existing is not None and lat == existing.get("LineAmountTypes"):
        return
    raw_lines = el.get("LineItems", (existing or {}).get("LineItems", []))
    if not isinstance(raw_lines, list):
        change.fail("LineItems must be a list.")
        raw_lines = []
    old_ids = lines.valid_line_ids((existing or {}).get("LineItems"))
    new["LineItems"] = [
        lines.compute_line(ctx.org, x, new["Type"], lat, ctx.unitdp4, change, old_ids) for x in raw_lines
    ]
    sums = lines.totals(new["LineItems"], lat)
    for x in new["LineItems"]:
        x.pop("_gross", None)
    validation.check_sent_totals(el, sums, change)
    new.update({k: float(v) for k, v in sums.items()})
    if "InvoiceID" in new:
        new["IsDiscounted"] = sums["TotalDiscount"] > 0


def prepare_fn(kind: Kind):
    """Build the ``prepare`` callback of run_batch for a document kind."""

    def prepare(ctx: Ctx, batch: Batch, change: Change) -> None:
        el = change.element
        existing = _locate(ctx, kind, el, change)
        if change.errors:
            return
        doc_type = str(el.get("Type") or (existing or {}).get("Type") or "").upper()
        if doc_type not in kind.types:
            expected = ", ".join(kind.types)
            change.fail(
                f"{kind.label} Type must be one of {expected}" if doc_type else f"{kind.label} Type must be specified"
            )
            return
        if existing and existing["Type"] != doc_type:
            change.fail(f"The {kind.label.lower()} type cannot be changed.")
            return
        new = copy.deepcopy(existing) if existing else _blank(kind, doc_type)
        new.update({key: el[key] for key in EDITABLE if key in el})
        pending_contact = None
        if "Contact" in el or existing is None:
            contact, pending_contact = resolve_contact(ctx, batch, el.get("Contact"), change)
            if contact is not None:
                new["Contact"] = {"ContactID": contact["ContactID"], "Name": contact.get("Name", "")}
        apply_dates_and_currency(ctx, el, new, existing, change)
        apply_lines(ctx, el, new, existing, change)
        number = el.get(kind.number_field, new.get(kind.number_field))
        if doc_type == kind.numbered:
            validation.check_number(ctx, batch, kind, number, existing, change)
        if number is not None:
            new[kind.number_field] = str(number)
        status = str(el.get("Status") or new.get("Status") or "DRAFT").upper()
        validation.check_status(kind, existing, new, status, change)
        new["Status"] = status
        validation.check_amounts(kind, existing, new, change)
        if change.errors:
            return
        if doc_type == kind.numbered and new.get(kind.number_field):
            batch.numbers.setdefault(kind.numbered, set()).add(new[kind.number_field].lower())
        change.apply = lambda: commit(ctx, kind, existing, new, pending_contact)

    return prepare


def commit(ctx: Ctx, kind: Kind, existing: dict | None, new: dict, pending_contact: dict | None) -> dict:
    """Store a prepared document (and an inline-created contact), index it, emit events."""
    org = ctx.org
    if pending_contact is not None and pending_contact["ContactID"] not in org.data["Contacts"]:
        org.data["Contacts"][pending_contact["ContactID"]] = pending_contact
        org.contact_names[pending_contact["Name"].lower()] = pending_contact["ContactID"]
        ctx.history(
            pending_contact["ContactID"], "Created", f"Contact {pending_contact['Name']} created.", ctx.provider
        )
        ctx.event("CONTACT", "CREATE", "Contacts", pending_contact["ContactID"])
    if new["Type"] == kind.numbered and not new.get(kind.number_field) and new["Status"] != "DELETED":
        new[kind.number_field] = org.next_number(kind.prefix)
    index = org.numbers[kind.numbered]
    if existing and existing.get(kind.number_field):
        index.pop(existing[kind.number_field].lower(), None)
    if new["Type"] == kind.numbered and new.get(kind.number_field) and new["Status"] != "DELETED":
        index[new[kind.number_field].lower()] = new[kind.id_field]
    validation.refresh_due(kind, new)
    ctx.stamp(new)
    did = new[kind.id_field]
    if existing is None:
        org.data[kind.coll][did] = new
        stored = new
        ctx.history(
            did,
            "Created",
            f"{kind.label} {new.get(kind.number_field) or ''} created for "
            f"{new['Contact']['Name']} for {new.get('Total', 0):.2f}.".replace("  ", " "),
            ctx.provider,
        )
        ctx.event(kind.category, "CREATE", kind.coll, did, {"Type": new["Type"], "Status": new["Status"]})
    else:
        old_status = existing["Status"]
        existing.clear()
        existing.update(new)
        stored = existing
        change_name = {"AUTHORISED": "Approved", "VOIDED": "Voided", "DELETED": "Deleted"}.get(stored["Status"])
        if stored["Status"] == old_status or change_name is None:
            change_name = "Edited"
        ctx.history(
            did, change_name, f"{kind.label} {stored.get(kind.number_field) or ''} {change_name.lower()}.", ctx.provider
        )
        ctx.event(kind.category, "UPDATE", kind.coll, did, {"Type": stored["Type"], "Status": stored["Status"]})
    contact = org.data["Contacts"].get(stored["Contact"]["ContactID"])
    if contact is not None and stored["Status"] not in ("DRAFT", "DELETED"):
        flag = "IsCustomer" if stored["Type"] in lines.SALES_TYPES else "IsSupplier"
        contact[flag] = True
    return stored


def handle(ctx: Ctx, coll: str):
    """Dispatch /Invoices and /CreditNotes requests."""
    kind = kind_of(coll)
    req = ctx.req
    render = render_fn(ctx, kind)
    key = req.params.get(kind.id_field)
    if req.method == "GET" and key is None:
        filters = []
        statuses = {s.upper() for s in csv_param(req, "Statuses")}
        if statuses:
            filters.append(lambda d: d.get("Status") in statuses)
        numbers = set(csv_param(req, kind.number_field + "s"))
        if numbers:
            filters.append(lambda d: d.get(kind.number_field) in numbers)
        contact_ids = {c.lower() for c in csv_param(req, "ContactIDs")}
        if contact_ids:
            filters.append(lambda d: d.get("Contact", {}).get("ContactID", "").lower() in contact_ids)
        term = req.q("searchTerm")
        if term:
            low = term.lower()
            filters.append(
                lambda d: low in (d.get(kind.number_field) or "").lower() or low in (d.get("Reference") or "").lower()
            )
        if bool_param(req, "summaryOnly"):
            full = render

            def render(d: dict) -> dict:
                return {k: v for k, v in full(d).items() if k != "LineItems"}

        return list_objects(
            ctx, ctx.org.data[coll].values(), coll, render, id_field=kind.id_field, extra_filters=filters
        )
    if req.method == "GET":
        doc = find_doc(ctx, kind, key)
        if doc is None:
            raise not_found()
        return ok(ctx, coll, [render(doc)])
    if key is not None and find_doc(ctx, kind, key) is None:
        raise not_found()
    return run_batch(ctx, coll, elements_of(ctx, coll), prepare_fn(kind), render, "HasErrors")


def zero() -> Decimal:
    """Decimal zero."""
    return Decimal(0)


def outstanding(doc: dict) -> Decimal:
    """Amount still due on an invoice or remaining on a credit note."""
    key = "AmountDue" if "AmountDue" in doc else "RemainingCredit"
    return r2(dec(doc.get(key)))
