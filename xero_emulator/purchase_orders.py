"""Purchase orders (/PurchaseOrders): DRAFT -> SUBMITTED -> AUTHORISED -> BILLED, and DELETED.

Contacts, line items, taxes, currencies, numbers and rendering are the invoices' own (documents.py,
lines.py, validation.py).  Unlike an invoice a purchase order never creates its contact (Xero: "The
PurchaseOrders endpoint does not create new contacts"), and no webhook event is ever sent for it
(Xero has no purchase order events).
"""

from __future__ import annotations

import copy
import operator

from . import lines, validation
from .api import (
    Batch,
    Change,
    Ctx,
    elements_of,
    list_objects,
    not_found,
    ok,
    run_batch,
    validation_error,
)
from .documents import PURCHASE_ORDER as KIND
from .documents import apply_dates_and_currency, apply_lines, find_doc, render_fn, resolve_contact
from .util import day_ms, new_id, parse_date_ms

STATUSES = ("DRAFT", "SUBMITTED", "AUTHORISED", "BILLED", "DELETED")
CREATABLE = ("DRAFT", "SUBMITTED", "AUTHORISED")
NEXT_STATUSES = {
    "DRAFT": {"DRAFT", "SUBMITTED", "AUTHORISED", "DELETED"},
    "SUBMITTED": {"DRAFT", "SUBMITTED", "AUTHORISED", "DELETED"},
    "AUTHORISED": {"AUTHORISED", "BILLED", "DELETED"},
    "BILLED": {"BILLED"},
    "DELETED": {"DELETED"},
}
FINAL = ("BILLED", "DELETED")
SENDABLE = ("AUTHORISED", "BILLED")
STATUS_CHANGES = {
    "DRAFT": "Draft",
    "SUBMITTED": "Submitted",
    "AUTHORISED": "Approved",
    "BILLED": "Billed",
    "DELETED": "Deleted",
}
TEXT_FIELDS = ("Reference", "DeliveryAddress", "AttentionTo", "Telephone", "DeliveryInstructions", "BrandingThemeID")
DATE_FIELDS = ("Date", "DeliveryDate", "ExpectedArrivalDate")
COMPARED = (*DATE_FIELDS, "LineAmountTypes", "PurchaseOrderNumber", "CurrencyCode", "CurrencyRate", *TEXT_FIELDS)
MAX_DELIVERY_INSTRUCTIONS = 500  # Xero: "A free text field for instructions (500 characters max)"

# Messages: see the README ("confirmed" vs "guessed").
NOT_VALID_STATUS = "Invoice not of valid status for modification"
NOT_VALID_FOR_CREATION = "Purchase order not of valid status for creation"
SENT_WARNING = "Only AUTHORISED and BILLED purchase orders may have SentToContact updated."
NO_NEW_CONTACT = (
    "The PurchaseOrders endpoint does not create new contacts. "
    "Provide the ContactID or ContactNumber of an existing contact."
)
NO_LINES = "A purchase order must have at least one line item."
ID_ON_PUT = "PurchaseOrderID cannot be given when creating purchase orders (PUT); use POST to update one."


def _locate(ctx: Ctx, el: dict, change: Change) -> dict | None:
    """The stored purchase order an element updates: by the path's id, else the element's PurchaseOrderID."""
    path_id = ctx.req.params.get(KIND.id_field)
    if path_id:
        return find_doc(ctx, KIND, path_id)
    if not el.get(KIND.id_field):
        return None  # POST never matches by PurchaseOrderNumber: a taken number is "must be unique"
    if ctx.req.method == "PUT":
        change.fail(ID_ON_PUT)
        return None
    existing = find_doc(ctx, KIND, str(el[KIND.id_field]))
    if existing is None:
        change.fail(f"{KIND.label} could not be found")
    return existing


def _contact(ctx: Ctx, batch: Batch, spec, existing: dict | None, change: Change) -> dict | None:
    """The supplier: an existing contact by ContactID or ContactNumber, never created here.

    On an update an empty ``Contact`` (as in Xero's own example, ``"Contact": {}``) keeps the contact.
    """
    named = isinstance(spec, dict) and any(spec.get(k) for k in ("ContactID", "ContactNumber", "Name"))
    if existing is not None and not named:
        return None
    if named and not (spec.get("ContactID") or spec.get("ContactNumber")):
        change.fail(NO_NEW_CONTACT)
        return None
    contact, _pending = resolve_contact(ctx, batch, spec, change)  # never pending: no name-only lookup
    return contact


def _apply_lines(ctx: Ctx, el: dict, new: dict, existing: dict | None, change: Change) -> None:
    """Line items and totals; an update with no (or an empty) LineItems keeps the lines."""
    raw = el.get("LineItems")
    if existing is None and (not isinstance(raw, list) or not raw):
        change.fail(NO_LINES)
        return
    source = el if raw else {k: v for k, v in el.items() if k != "LineItems"}
    apply_lines(ctx, source, new, existing, change)
    new["IsDiscounted"] = new.get("TotalDiscount", 0) > 0
    for line in new.get("LineItems") or []:
        if line.get("Quantity", 0) < 0:
            change.fail(f"The quantity value '{line['Quantity']:.4f}' is invalid. Quantity must not be less than zero.")


def _differs(old: dict, new: dict) -> bool:
    """Whether an update changes anything but Status and SentToContact."""
    return (
        lines.lines_differ(old.get("LineItems") or [], new.get("LineItems") or [])
        or (old.get("Contact") or {}).get("ContactID") != (new.get("Contact") or {}).get("ContactID")
        or any(old.get(k) != new.get(k) for k in COMPARED)
    )


def _check_status(existing: dict | None, status: str, changed: bool, change: Change) -> None:
    """DRAFT/SUBMITTED/AUTHORISED at creation; forward moves, DELETED before BILLED; BILLED/DELETED final."""
    if status not in STATUSES:
        change.fail(f"Status '{status}' is not a valid purchase order status.")
        return
    if existing is None:
        if status not in CREATABLE:
            change.fail(NOT_VALID_FOR_CREATION)
        return
    old = existing["Status"]
    if status not in NEXT_STATUSES[old] or (old in FINAL and changed):
        change.fail(NOT_VALID_STATUS)


def _blank() -> dict:
    return {
        KIND.id_field: new_id(),
        "Type": "PURCHASEORDER",
        "Status": "DRAFT",
        "LineItems": [],
        "SentToContact": False,
        "HasErrors": False,
    }


def prepare_fn(warnings: dict):
    """The ``prepare`` callback of run_batch; Warnings per PurchaseOrderID go to ``warnings``."""

    def prepare(ctx: Ctx, batch: Batch, change: Change) -> None:
        el = change.element
        existing = _locate(ctx, el, change)
        if change.errors:
            return
        new = copy.deepcopy(existing) if existing else _blank()
        new.update({k: str(el[k]) for k in TEXT_FIELDS if el.get(k) is not None})
        if len(new.get("DeliveryInstructions") or "") > MAX_DELIVERY_INSTRUCTIONS:
            change.fail(f"DeliveryInstructions must be {MAX_DELIVERY_INSTRUCTIONS} characters or less.")
        contact = _contact(ctx, batch, el.get("Contact"), existing, change)
        if contact is not None:
            new["Contact"] = {"ContactID": contact["ContactID"], "Name": contact.get("Name", "")}
        apply_dates_and_currency(ctx, el, new, existing, change, date_keys=DATE_FIELDS)
        _apply_lines(ctx, el, new, existing, change)
        number = el.get(KIND.number_field)
        if number not in (None, ""):
            validation.check_number(ctx, batch, KIND, number, existing, change)
            new[KIND.number_field] = str(number)
        status = str(el.get("Status") or new.get("Status") or "DRAFT").upper()
        changed = existing is not None and _differs(existing, new)
        _check_status(existing, status, changed, change)
        new["Status"] = status
        sent = el.get("SentToContact")
        if sent is not None and bool(sent) != new.get("SentToContact", False):
            if status in SENDABLE:
                new["SentToContact"] = bool(sent)
            else:
                warnings.setdefault(new[KIND.id_field], []).append({"Message": SENT_WARNING})
        if change.errors:
            return
        if new.get(KIND.number_field):
            batch.numbers.setdefault(KIND.numbered, set()).add(new[KIND.number_field].lower())
        change.apply = lambda: commit(ctx, existing, new, changed)

    return prepare


def _api_history(ctx: Ctx, oid: str, what: str) -> None:
    """A history record as Xero writes one for a change made through the API."""
    ctx.history(
        oid,
        f"PurchaseOrder {what}",
        f"This purchase order has been '{what}' through the Xero API by {ctx.provider}",
        "System Generated",
    )


def commit(ctx: Ctx, existing: dict | None, new: dict, changed: bool) -> dict:
    """Store a prepared purchase order: number it, index its number, stamp it, write its history."""
    org = ctx.org
    oid, number_field = new[KIND.id_field], KIND.number_field
    if not new.get(number_field):
        new[number_field] = org.next_number(KIND.prefix)
    index = org.numbers[KIND.numbered]
    if existing is not None and existing.get(number_field):
        index.pop(existing[number_field].lower(), None)
    if new["Status"] != "DELETED":
        index[new[number_field].lower()] = oid
    if existing is None:
        org.data[KIND.coll][oid] = ctx.stamp(new)
        ctx.history(
            oid,
            "Created",
            f"Purchase order {new[number_field]} to {new['Contact']['Name']} for {new.get('Total', 0):.2f}.",
            ctx.provider,
        )
        return new
    old_status, old_sent = existing["Status"], existing.get("SentToContact")
    if not changed and new["Status"] == old_status and new.get("SentToContact") == old_sent:
        return existing  # nothing changed: no new UpdatedDateUTC, no history
    existing.clear()
    existing.update(new)
    ctx.stamp(existing)
    if changed or existing.get("SentToContact") != old_sent:
        _api_history(ctx, oid, "Edited")
    if existing["Status"] != old_status:
        _api_history(ctx, oid, STATUS_CHANGES[existing["Status"]])
    return existing


def _date_filters(ctx: Ctx) -> list:
    """DateFrom / DateTo (inclusive, by the purchase order's Date)."""
    filters = []
    for name, compare in (("DateFrom", operator.ge), ("DateTo", operator.le)):
        raw = ctx.req.q(name)
        if not raw:
            continue
        ms = parse_date_ms(raw)
        if ms is None:
            raise validation_error(f"{name} '{raw}' is not a valid date.")
        day = day_ms(ms)
        filters.append(lambda d, day=day, compare=compare: compare(parse_date_ms(d.get("Date")) or 0, day))
    return filters


def handle(ctx: Ctx):
    """Dispatch /PurchaseOrders and /PurchaseOrders/{PurchaseOrderID|PurchaseOrderNumber}."""
    req = ctx.req
    render = render_fn(ctx, KIND)
    key = req.params.get(KIND.id_field)
    if req.method == "GET" and key is None:
        filters = _date_filters(ctx)
        status = (req.q("Status") or "").upper()
        if status:
            filters.append(lambda d: d.get("Status") == status)
        # the spec lists no where/IDs here: they are ignored; paging is enforced (100 a page)
        return list_objects(
            ctx,
            ctx.org.data[KIND.coll].values(),
            KIND.coll,
            render,
            where=False,
            always_paged=True,
            extra_filters=filters,
        )
    if req.method == "GET":
        doc = find_doc(ctx, KIND, key)
        if doc is None:
            raise not_found()
        return ok(ctx, KIND.coll, [render(doc)])
    if key is not None and find_doc(ctx, KIND, key) is None:
        raise not_found()
    warnings: dict[str, list] = {}

    def render_with_warnings(doc: dict) -> dict:
        out = render(doc)
        if warnings.get(doc[KIND.id_field]):
            out["Warnings"] = warnings[doc[KIND.id_field]]
        return out

    return run_batch(ctx, KIND.coll, elements_of(ctx, KIND.coll), prepare_fn(warnings), render_with_warnings)
