"""Local snapshots of Xero's invoices, bills and credit notes, for the
reconciliation report.

The first report reads every document of the organisation (pages of 1,000);
each later one asks only for what changed since (``If-Modified-Since`` = the
server time of the previous read, kept per collection on the connection), so
a rerun costs one call per collection to count plus one per 1,000 changes.

Paging is ordered by the document id, which never moves: a document changed
while the pages are read can only appear twice, never push another one off a
page; and the cursor is the time the first page was served, so a change made
during the read is read again next time.
"""

import math

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..services.mappers.payment import (
    if_modified_since,
    newest,
    parse_xero_date,
    parse_xero_datetime,
    server_time,
)
from ..services.reconciliation import xero_balances

#: documents per page (Xero's maximum)
PAGE_SIZE = 1000
#: (collection, list method, id field, number field, cursor field on the connection)
COLLECTIONS = (
    ("Invoices", "get_invoices", "InvoiceID", "InvoiceNumber", "recon_invoices_since"),
    ("CreditNotes", "get_credit_notes", "CreditNoteID", "CreditNoteNumber", "recon_credit_notes_since"),
)
#: namespace of the advisory lock serialising snapshot refreshes per connection
RECON_LOCK_NS = 7_930_007


class XeroRemoteDocument(models.Model):
    """What Xero last said about one of its documents."""

    _name = "xero.remote.document"
    _description = "Xero Document Snapshot"
    _order = "date desc, id desc"
    _check_company_auto = True
    _rec_name = "number"

    connection_id = fields.Many2one("xero.connection", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="connection_id.company_id", store=True, index=True)
    xero_id = fields.Char("Xero ID", required=True)
    collection = fields.Selection([("Invoices", "Invoice or bill"), ("CreditNotes", "Credit note")],
                                  required=True)
    xero_type = fields.Char("Xero type")
    number = fields.Char()
    reference = fields.Char()
    contact_name = fields.Char("Contact")
    date = fields.Date(index=True)
    status = fields.Char()
    currency_code = fields.Char("Currency")
    currency_rate = fields.Float(digits=(16, 10))
    total = fields.Float()
    total_tax = fields.Float("Tax")
    amount_due = fields.Float("Amount due", help="AmountDue of an invoice, RemainingCredit of a credit note.")
    updated = fields.Datetime("Updated in Xero")
    balances = fields.Json(help="Net line amounts per account code, in the base currency, signed.")

    _sql_constraints = [
        ("xero_id_unique", "unique(connection_id, xero_id)", "This Xero document is already stored."),
    ]

    @api.model
    def _xero_values(self, connection, collection, element, base_currency):
        """Snapshot values of one Xero document element."""
        _coll, _method, id_field, number_field, _since = next(c for c in COLLECTIONS if c[0] == collection)
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
        }

    @api.model
    def _xero_store(self, connection, collection, elements):
        """Create or update the snapshots of these elements (one search)."""
        base = connection.company_id.currency_id.name
        id_field = next(c[2] for c in COLLECTIONS if c[0] == collection)
        elements = [e for e in elements if e.get(id_field)]
        existing = {r.xero_id: r for r in self.sudo().search([
            ("connection_id", "=", connection.id), ("xero_id", "in", [e[id_field] for e in elements])])}
        to_create = {}
        for element in elements:
            values = self._xero_values(connection, collection, element, base)
            record = existing.get(values["xero_id"])
            if record:
                record.write(values)
            else:
                to_create[values["xero_id"]] = values
        if to_create:
            self.sudo().create(list(to_create.values()))


class XeroConnectionReconciliation(models.Model):
    _inherit = "xero.connection"

    recon_invoices_since = fields.Datetime(copy=False, readonly=True,
                                           help="Xero time of the last read of invoices for the report.")
    recon_credit_notes_since = fields.Datetime(copy=False, readonly=True,
                                               help="Xero time of the last read of credit notes for the report.")

    def _xero_recon_lock(self):
        """Serialise snapshot refreshes of this connection (transaction lock)."""
        self.env.cr.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", (RECON_LOCK_NS, self.id))
        if not self.env.cr.fetchone()[0]:
            raise UserError(self.env._("A reconciliation report of %(org)s is already reading Xero; try again "
                              "when it has finished.", org=self.display_name))

    def _xero_recon_count(self, client):
        """``{collection: documents changed since the last read}`` (None when
        Xero gives no count): one call per collection, asking for a single
        document and reading the ``pagination`` Xero returns."""
        self.ensure_one()
        counts = {}
        for collection, method, _id, _number, since_field in COLLECTIONS:
            kwargs = {"page": 1, "page_size": 1}
            if self[since_field]:
                kwargs["if_modified_since"] = if_modified_since(self[since_field])
            data = client.accounting(method, **kwargs).data
            counts[collection] = (data.get("pagination") or {}).get("itemCount")
        return counts

    @api.model
    def _xero_recon_pages(self, counts):
        """Calls the refresh will make: one per started page of 1,000 changed
        documents, per collection (a collection without changes costs none)."""
        return sum(math.ceil(n / PAGE_SIZE) for n in counts.values() if n is not None)

    def _xero_recon_refresh(self, client, counts):
        """Read the changed documents page by page and store them.

        Reads ``ceil(count / 1000)`` pages per collection; goes on when
        Xero reports more pages than counted (documents changed since the
        count), and pages until a short page when Xero gave no count."""
        self.ensure_one()
        self._xero_recon_lock()
        Snapshot = self.env["xero.remote.document"]
        for collection, method, id_field, _number, since_field in COLLECTIONS:
            count = counts.get(collection)
            pages = math.ceil(count / PAGE_SIZE) if count is not None else None
            since = self[since_field]
            served_at = None
            seen = None
            page = 1
            while pages is None or page <= pages:
                kwargs = {"page": page, "page_size": PAGE_SIZE, "order": f"{id_field} ASC"}
                if since:
                    kwargs["if_modified_since"] = if_modified_since(since)
                response = client.accounting(method, **kwargs)
                served_at = served_at or server_time(response.headers)
                elements = response.data.get(collection) or []
                Snapshot._xero_store(self, collection, elements)
                seen = newest(elements, seen)
                page_count = (response.data.get("pagination") or {}).get("pageCount")
                if len(elements) < PAGE_SIZE:
                    break
                if pages is not None and page == pages and page_count and page_count > pages:
                    pages = page_count
                page += 1
            if served_at or seen:
                self.sudo()[since_field] = served_at or seen

