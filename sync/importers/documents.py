"""Xero → Odoo: local snapshots of Xero's invoices, bills and credit notes
(``xero.remote.document``), read for the reconciliation report.

The report's wizard calls these inside its own run
(``SyncRun(connection, "reconciliation", ...)``, whose lock serialises the
reads of one connection's reports without blocking its sync):

1. :func:`count_changes` asks, per collection, how many documents changed
   since the last read (one call each: a page of one document);
2. :func:`call_estimate` says what reading them will cost;
3. :func:`refresh` reads them and stores them.

The first report reads every document of the organisation; each later one
only what changed since (``If-Modified-Since`` = the server time of the
previous read, kept per collection on the connection), so a rerun costs one
call per collection to count plus one per page of changes. Paging is ordered
by the document id, which never moves: a document changed while the pages
are read can only appear twice, never push another one off a page; and the
cursor is the time the first page was served, so a change made during the
read is read again next time.
"""

import math

from ...services.api import MAX_PAGE
from ...services.reconciliation import xero_balances
from ...services.util import newest, parse_xero_date, parse_xero_datetime

#: documents per page (Xero's maximum)
PAGE_SIZE = MAX_PAGE
#: (collection, id field, number field, cursor field on the connection)
COLLECTIONS = (
    ("Invoices", "InvoiceID", "InvoiceNumber", "recon_invoices_since"),
    ("CreditNotes", "CreditNoteID", "CreditNoteNumber", "recon_credit_notes_since"),
)


def count_changes(ctx):
    """``{collection: documents changed since the last read}`` (None when
    Xero gives no count): one call per collection."""
    return {collection: ctx.api.document_count(collection, since=ctx.connection[since_field])
            for collection, _id, _number, since_field in COLLECTIONS}


def call_estimate(counts):
    """Calls :func:`refresh` will make: one per started page of
    :data:`PAGE_SIZE` changed documents, per collection (a collection
    without changes, or without a count, costs none here)."""
    return sum(math.ceil(n / PAGE_SIZE) for n in counts.values() if n is not None)


def refresh(ctx, counts):
    """Read the changed documents page by page and store them; move each
    collection's cursor.

    Reads ``ceil(count / PAGE_SIZE)`` pages per collection; goes on when
    Xero reports more pages than counted (documents changed since the
    count), and pages until a short page when Xero gave no count."""
    connection = ctx.connection
    for collection, _id, _number, since_field in COLLECTIONS:
        count = counts.get(collection)
        pages = math.ceil(count / PAGE_SIZE) if count is not None else None
        since = connection[since_field]
        served_at = seen = None
        number = 1
        while pages is None or number <= pages:
            page = ctx.api.document_page(collection, number, since, size=PAGE_SIZE)
            served_at = served_at or page.served_at
            store(ctx.env, connection, collection, page.elements)
            seen = newest(page.elements, seen)
            if len(page.elements) < PAGE_SIZE:
                break
            if pages is not None and number == pages and page.page_count and page.page_count > pages:
                pages = page.page_count
            number += 1
        if served_at or seen:
            connection[since_field] = served_at or seen


def snapshot_values(connection, collection, element, base_currency):
    """``xero.remote.document`` values of one Xero document element."""
    _coll, id_field, number_field, _since = next(c for c in COLLECTIONS if c[0] == collection)
    due = element.get("AmountDue") if collection == "Invoices" else element.get("RemainingCredit")
    return {
        "connection_id": connection.id,
        "xero_id": element[id_field],
        "collection": collection,
        "xero_type": element.get("Type"),
        "number": element.get(number_field) or "",
        "reference": element.get("Reference") or "",
        "contact_name": (element.get("Contact") or {}).get("Name") or "",
        "date": parse_xero_date(element.get("Date")),
        "status": element.get("Status"),
        "currency_code": element.get("CurrencyCode") or base_currency,
        "currency_rate": float(element.get("CurrencyRate") or 1.0),
        "total": float(element.get("Total") or 0.0),
        "total_tax": float(element.get("TotalTax") or 0.0),
        "amount_due": float(due or 0.0),
        "updated": parse_xero_datetime(element.get("UpdatedDateUTC")),
        "balances": xero_balances(element, base_currency),
        "amount_paid": paid_amount(element),
        "payments": [{"PaymentID": p.get("PaymentID"), "Amount": float(p.get("Amount") or 0.0), "Date": p.get("Date")}
                     for p in element.get("Payments") or [] if p.get("PaymentID")],
    }


def paid_amount(element):
    """What a document's payments add up to, in its currency: Xero's
    ``AmountPaid`` of an invoice; the refunds (``Payments``) of a credit note,
    which has no such field. Credit allocations are not payments."""
    if "AmountPaid" in element:
        return float(element.get("AmountPaid") or 0.0)
    return round(sum(float(p.get("Amount") or 0.0) for p in element.get("Payments") or []), 2)


def store(env, connection, collection, elements):
    """Create or update the snapshots of these elements (one search).
    Elements without an id are skipped: nothing could find them again."""
    base = connection.company_id.currency_id.name
    id_field = next(c[1] for c in COLLECTIONS if c[0] == collection)
    elements = [e for e in elements if e.get(id_field)]
    Snapshot = env["xero.remote.document"].sudo()
    existing = {r.xero_id: r for r in Snapshot.search([
        ("connection_id", "=", connection.id), ("xero_id", "in", [e[id_field] for e in elements])])}
    to_create = {}
    for element in elements:
        values = snapshot_values(connection, collection, element, base)
        record = existing.get(values["xero_id"])
        if record:
            record.write(values)
        else:
            to_create[values["xero_id"]] = values
    if to_create:
        Snapshot.create(list(to_create.values()))
