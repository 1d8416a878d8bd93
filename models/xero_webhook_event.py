"""Webhook events queued by the public controller, processed by the inbound run.

The controller only inserts rows (one statement per connection of a payload,
one pending row per record: a flood of updates on one invoice is one fetch).
The inbound run then fetches the records by id, in groups:

* invoices / credit notes bound to Odoo documents: Xero's status
  (``xero_remote_status``) and amount due are stored on the document, and (when the connection imports payments)
  their payments are fetched and applied like polled ones;
* contacts bound to Odoo partners (when the connection imports contacts):
  the partner is refreshed through the contact import's update.

Events about records that are not linked to Odoo are closed without a call.
"""

import logging
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from ..services.mappers import contact as contact_mapper
from ..services.mappers import payment as payment_mapper
from .xero_queue_protocol import xero_commit

_logger = logging.getLogger(__name__)

CATEGORIES = [("INVOICE", "Invoice"), ("CREDITNOTE", "Credit note"), ("CONTACT", "Contact")]
#: records fetched per request (ids in the query string / where clause)
FETCH_CHUNK = 40
#: events claimed per loop of the inbound run
CLAIM_LIMIT = 1000


class XeroWebhookEvent(models.Model):
    """One record Xero said changed, waiting for the next inbound run."""

    _name = "xero.webhook.event"
    _description = "Xero Webhook Event"
    _order = "id"
    _check_company_auto = True

    connection_id = fields.Many2one("xero.connection", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="connection_id.company_id", store=True, index=True)
    category = fields.Selection(CATEGORIES, required=True)
    event_type = fields.Char("Event", help="CREATE or UPDATE.")
    resource_id = fields.Char("Xero ID", required=True)
    event_date = fields.Char("Event date (UTC)")
    state = fields.Selection(
        [("pending", "Pending"), ("done", "Done"), ("ignored", "Not linked to Odoo")],
        default="pending", required=True, index=True)
    message = fields.Char()
    date_done = fields.Datetime("Processed on")

    def init(self):
        # one pending row per record: later events of the same record are no-ops
        self.env.cr.execute(SQL(
            "CREATE UNIQUE INDEX IF NOT EXISTS xero_webhook_event_pending_uniq "
            "ON xero_webhook_event (connection_id, category, resource_id) WHERE state = 'pending'"))

    @api.model
    def _xero_queue_events(self, connection, events):
        """Insert the pending events of a webhook payload for ``connection``;
        return how many are new.

        ``events`` are already validated dicts (see the controller). Events
        of another organisation or of a category the addon does not follow
        are dropped (logged at info). One INSERT for the whole payload;
        duplicates of a pending event are skipped by the partial unique
        index."""
        wanted = dict(CATEGORIES)
        rows = [e for e in events if e["eventCategory"] in wanted and e.get("tenantId") == connection.tenant_id]
        if len(rows) < len(events):
            other = [e for e in events if e.get("tenantId") != connection.tenant_id]
            _logger.info("Xero webhook for connection %s: %s event(s) of another organisation and %s of a "
                         "category not followed dropped", connection.id, len(other),
                         len(events) - len(rows) - len(other))
        if not rows:
            return 0
        self.env.cr.execute(SQL(
            """INSERT INTO xero_webhook_event
                   (connection_id, company_id, category, event_type, resource_id, event_date, state,
                    create_uid, write_uid, create_date, write_date)
               SELECT %(conn)s, %(company)s, e.category, e.event_type, e.resource_id, e.event_date,
                      'pending', %(uid)s, %(uid)s, now() at time zone 'UTC', now() at time zone 'UTC'
                 FROM unnest(%(categories)s::varchar[], %(types)s::varchar[], %(ids)s::varchar[],
                             %(dates)s::varchar[]) AS e(category, event_type, resource_id, event_date)
               ON CONFLICT (connection_id, category, resource_id) WHERE state = 'pending' DO NOTHING""",
            conn=connection.id, company=connection.company_id.id, uid=self.env.uid,
            categories=[e["eventCategory"] for e in rows], types=[e.get("eventType") or "" for e in rows],
            ids=[e["resourceId"] for e in rows], dates=[e.get("eventDateUtc") or "" for e in rows]))
        return self.env.cr.rowcount

    @api.model
    def _xero_route_events(self, key, events):
        """Queue the events of a delivery to the app's URL signed with the
        webhook ``key``: each to the connections that hold that key and are
        connected to its organisation (``tenantId``); return how many rows
        are new. Events of an organisation no connection holds with that
        key are dropped (logged at info)."""
        by_tenant = defaultdict(list)
        for event in events:
            by_tenant[event["tenantId"]].append(event)
        connections = self.env["xero.connection"].sudo().search(
            [("webhook_key", "=", key), ("tenant_id", "in", list(by_tenant))], order="id")
        new = sum(self._xero_queue_events(conn, by_tenant[conn.tenant_id]) for conn in connections)
        unknown = sorted(set(by_tenant) - set(connections.mapped("tenant_id")))
        if unknown:
            _logger.info("Xero webhook (app): %s event(s) of %s organisation(s) not connected with this key "
                         "dropped: %s", sum(len(by_tenant[t]) for t in unknown), len(unknown),
                         ", ".join(unknown[:5]))
        return new

    def _xero_close(self, state, message=None):
        self.write({"state": state, "message": message, "date_done": fields.Datetime.now()})


class AccountMoveXeroRemote(models.Model):
    _inherit = "account.move"

    xero_remote_status = fields.Selection(
        [("DRAFT", "Draft"), ("SUBMITTED", "Awaiting approval"), ("AUTHORISED", "Awaiting payment"),
         ("PAID", "Paid"), ("VOIDED", "Voided"), ("DELETED", "Deleted")],
        "Status in Xero", copy=False, readonly=True,
        help="The document's status in Xero as Xero last answered (sending, webhook, payment import).")
    xero_remote_due = fields.Monetary(
        "Amount due in Xero", copy=False, readonly=True, currency_field="currency_id",
        help="As Xero last told us (webhook event).")
    xero_remote_checked = fields.Datetime("Checked in Xero on", copy=False, readonly=True)

    def _xero_store_remote(self, element):
        """Store Xero's status and amount due of this document; tell the
        followers when Xero voided or deleted it while it is posted in Odoo."""
        self.ensure_one()
        status = (element.get("Status") or "").upper() or False
        due = element.get("AmountDue") if "AmountDue" in element else element.get("RemainingCredit")
        if status in ("VOIDED", "DELETED") and self.xero_remote_status != status and self.state == "posted":
            self.message_post(body=self.env._(
                "This document was %(status)s in Xero but is still posted in Odoo.",
                status=status.lower()), message_type="comment", subtype_xmlid="mail.mt_note")
        self.sudo().with_context(xero_no_queue=True).write({
            "xero_remote_status": status, "xero_remote_due": due or 0.0,
            "xero_remote_checked": fields.Datetime.now()})


class XeroConnectionWebhooks(models.Model):
    _inherit = "xero.connection"

    webhook_event_count = fields.Integer("Webhook events waiting", compute="_compute_webhook_event_count")
    webhook_url = fields.Char("Webhook URL", compute="_compute_webhook_url",
                              help="The delivery URL to enter in Xero's developer portal.")

    def _compute_webhook_url(self):
        for conn in self:
            conn.webhook_url = f"{conn.get_base_url()}/xero/webhook/{conn.id}" if conn.id else False

    def _compute_webhook_event_count(self):
        counts = dict(self.env["xero.webhook.event"].sudo()._read_group(
            [("connection_id", "in", self.ids), ("state", "=", "pending")], ["connection_id"], ["__count"]))
        for conn in self:
            conn.webhook_event_count = counts.get(conn, 0)

    def _xero_claim_events(self):
        self.env["xero.webhook.event"].flush_model()
        self.env.cr.execute(SQL(
            """SELECT id FROM xero_webhook_event
                WHERE connection_id = %s AND state = 'pending'
             ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED""", self.id, CLAIM_LIMIT))
        return self.env["xero.webhook.event"].sudo().browse([r[0] for r in self.env.cr.fetchall()])

    def _xero_process_webhook_events(self, run, client):
        """Fetch the records of pending webhook events (see the module doc).

        Events of records not linked to Odoo are closed as "not linked"
        without a call; the others are closed once their record is refreshed
        (committed per group, so a stop half-way loses nothing)."""
        self.ensure_one()
        while True:
            events = self._xero_claim_events()
            if not events:
                return
            for category in ("INVOICE", "CREDITNOTE", "CONTACT"):
                group = events.filtered(lambda e, c=category: e.category == c)
                if group:
                    self._xero_refresh_group(category, group, run, client)
                    xero_commit(self.env)

    def _xero_refresh_group(self, category, events, run, client):
        if category == "CONTACT" and not self.import_contacts:
            events._xero_close("ignored", self.env._("Contacts are not imported from Xero (see the connection)."))
            return
        company = self.company_id
        binder = self.env["xero.binder"]
        model = "res.partner" if category == "CONTACT" else "account.move"
        bound = binder.to_records(model, events.mapped("resource_id"), company)
        unlinked = events.filtered(lambda e: e.resource_id not in bound)
        unlinked._xero_close("ignored", self.env._("This record is not linked to an Odoo record."))
        linked = events - unlinked
        ids = list(dict.fromkeys(linked.mapped("resource_id")))
        for start in range(0, len(ids), FETCH_CHUNK):
            chunk = ids[start:start + FETCH_CHUNK]
            if category == "CONTACT":
                self._xero_refresh_contacts(chunk, bound, run, client)
            else:
                self._xero_refresh_documents(category, chunk, bound, run, client)
            linked.filtered(lambda e, c=set(chunk): e.resource_id in c)._xero_close("done")

    def _xero_refresh_documents(self, category, ids, moves, run, client):
        """Refresh status/amount due of these documents, then apply their payments."""
        if category == "INVOICE":
            response = client.accounting("get_invoices", i_ds=ids)
            elements = response.data.get("Invoices") or []
            id_field, payment_field = "InvoiceID", "Invoice.InvoiceID"
        else:
            response = client.accounting("get_credit_notes",
                                         where=payment_mapper.guid_clause("CreditNoteID", ids))
            elements = response.data.get("CreditNotes") or []
            id_field, payment_field = "CreditNoteID", "CreditNote.CreditNoteID"
        for element in elements:
            move = moves.get(element.get(id_field))
            if move:
                move._xero_store_remote(element)
        if self.import_payments and not self._xero_payments_in_flight():
            # (with payments in flight the poll, whose cursor has not moved, reads them later)
            response = client.accounting("get_payments", where=payment_mapper.guid_clause(payment_field, ids))
            self._xero_apply_payments(response.data.get("Payments") or [], run)

    def _xero_refresh_contacts(self, ids, partners, run, client):
        """Refresh bound partners from their Xero contacts, through the
        contact import's own update (Xero's non-empty values win; nothing is
        pushed back to Xero)."""
        response = client.accounting("get_contacts", i_ds=ids, include_archived=True)
        Match = self.env["xero.contact.match"]
        lookup = contact_mapper.AddressLookup(self.env)
        title_id = self.contact_default_title_id.id
        Log = self.env["xero.sync.log"]
        for contact in response.data.get("Contacts") or []:
            partner = partners.get(contact.get("ContactID"))
            if not partner:
                continue
            try:
                with self.env.cr.savepoint():
                    changed = Match._xero_update_partner(partner.with_company(self.company_id), contact, lookup,
                                                         title_id)
            except (UserError, ValidationError) as exc:
                Log._log(self, "contact", "import", "failed", record=partner, run=run, xero_id=contact["ContactID"],
                         message=self.env._("%(name)s could not be updated from Xero: %(error)s",
                                            name=partner.display_name, error=exc.args[0] if exc.args else exc))
                continue
            if changed:
                Log._log(self, "contact", "import", "done", record=partner, run=run, xero_id=contact["ContactID"],
                         message=self.env._("Updated from Xero (webhook)."))
