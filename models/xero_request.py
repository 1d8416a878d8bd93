"""One request of the outbox: its key, its exact body, its rows.

See :mod:`...sync.outbox` for the protocol. A request is created when its
rows are first marked ``sending``, with a key that is random (unique to this
copy of the database: a restored copy never reuses one) and the exact JSON
text sent; replays send that text again, unchanged, whatever happened to
the rows since. Users only read requests.
"""

import json
import uuid

from odoo import api, fields, models

REQUEST_STATES = [("sending", "Waiting for Xero's answer"), ("answered", "Answered"), ("lost", "Abandoned")]


class XeroRequest(models.Model):
    _name = "xero.request"
    _description = "Xero Request (outbox)"
    _inherit = ["xero.company.mixin"]
    _order = "id desc"
    _rec_name = "key"

    key = fields.Char("Idempotency-Key", required=True, readonly=True, index=True, copy=False,
                      default=lambda self: self._new_key())
    exporter = fields.Char(required=True, readonly=True, help="Registry name of the exporter that made it.")
    operation = fields.Char(required=True, readonly=True, help="What it does in Xero (see services/api).")
    params = fields.Json(readonly=True, help="Path parameters: the Xero id of the document, a file name...")
    body = fields.Text(readonly=True, help="The exact JSON text sent (sent again unchanged on a replay).")
    attachment_id = fields.Many2one("ir.attachment", readonly=True, ondelete="set null",
                                    help="The file uploaded (its bytes are the body).")
    checksum = fields.Char(readonly=True, help="Checksum of the file as first sent.")
    tag = fields.Char(readonly=True, index="btree_not_null",
                      help="Which part of one row's work it carries (a file of a document...).")
    row_order = fields.Json(readonly=True, help="Ids of the queue rows, in the order of the body's elements.")
    state = fields.Selection(REQUEST_STATES, default="sending", required=True, readonly=True, index=True)
    sent_at = fields.Datetime(readonly=True, help="When it was first sent: Xero keeps a key for 24 hours.")
    attempts = fields.Integer(readonly=True, default=1)
    run_id = fields.Many2one("xero.sync.run", readonly=True, ondelete="set null")

    _sql_constraints = [("key_unique", "unique(key)", "An Idempotency-Key is used by one request only.")]

    @api.model
    def _new_key(self):
        """A key no other request of any database has used (Xero keeps a
        key's answer 24 hours, per organisation)."""
        return f"odoo-{uuid.uuid4().hex}"

    def _elements(self, data=None):
        """The elements of a batched body (``[]`` otherwise); ``data``: the
        body already parsed."""
        self.ensure_one()
        if data is None and not self.body:
            return []
        data = json.loads(self.body) if data is None else data
        if isinstance(data, dict) and len(data) == 1:
            value = next(iter(data.values()))
            if isinstance(value, list):
                return value
        return []

    def _rows(self, data=None):
        """``[(queue row or None, element)]`` in body order; a row deleted
        since is None (its element still belongs to the body). ``data``: the
        body already parsed."""
        self.ensure_one()
        ids = self.row_order or []
        rows = {row.id: row for row in self.env["xero.queue"].sudo().browse(ids).exists()}
        elements = self._elements(data)
        return [(rows.get(row_id), elements[index] if index < len(elements) else None)
                for index, row_id in enumerate(ids)]
