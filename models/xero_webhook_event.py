"""Webhook events queued by the public controller, processed by the inbound run.

The controller only inserts rows (one statement per connection of a payload,
one pending row per record: a flood of updates on one invoice is one fetch).
The inbound run then fetches the records by id, in groups, and closes the
events (``sync/importers/webhook_events.py``): documents get Xero's status
and amount due (and their payments, when the connection imports payments),
bound partners are refreshed (when it imports contacts). Events about
records that are not linked to Odoo are closed without a call.
"""

import logging
from collections import defaultdict

from odoo import api, fields, models
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

CATEGORIES = [("INVOICE", "Invoice"), ("CREDITNOTE", "Credit note"), ("CONTACT", "Contact")]


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
