"""The waiting queue ("waiting to be sent"): one row per pending action
towards Xero, and each row's outcome.

Rows are queued by the models' hooks (a document posted, a partner changed,
a payment reconciled...), claimed by a run with ``FOR UPDATE SKIP LOCKED``
and sent by the exporters through the outbox (``sync/outbox.py``), which
owns the exactly-once part: a row in flight is ``sending`` with the
``xero.request`` that carries it. Users read rows; "Retry" is the one thing
they do with them, through :meth:`action_retry`, which checks their group.
"""

import json

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

QUEUE_STATES = [
    ("waiting", "Waiting"),
    ("sending", "Sending"),
    ("sent", "Sent"),
    ("failed", "Failed"),
    ("skipped", "Skipped"),
]
QUEUE_ACTIONS = [
    ("upsert", "Create or update"),
    ("delete", "Delete draft"),
    ("void", "Void"),
    ("attachments", "Attachments"),
    ("payment", "Payment"),
    ("contact", "Contact"),
    ("history", "History note"),
]

#: columns a successful outcome writes
SUCCEED_FIELDS = ["state", "xero_id", "date_sent", "message", "next_attempt", "sending_since"]
#: what a log row reads of the queue row it records
LOG_FIELDS = ["connection_id", "res_model", "res_id", "xero_id", "payload", "record_name"]
#: columns marking a row in flight
SENDING_FIELDS = ["state", "request_id", "idempotency_key", "run_id", "next_attempt", "attempts", "sending_since",
                  "payload"]


class XeroQueue(models.Model):
    _name = "xero.queue"
    _description = "Xero Waiting Queue"
    _inherit = ["xero.company.mixin"]
    _order = "id"

    res_model = fields.Char("Model", required=True, index=True)
    res_id = fields.Many2oneReference("Record ID", model_field="res_model", required=True, index=True)
    move_id = fields.Many2one("account.move", "Document", ondelete="set null", index="btree_not_null")
    partner_id = fields.Many2one("res.partner", "Contact", ondelete="cascade", index="btree_not_null")
    purchase_id = fields.Many2one("purchase.order", "Purchase order", ondelete="set null", index="btree_not_null")
    record_name = fields.Char("Record")
    action = fields.Selection(QUEUE_ACTIONS, required=True, default="upsert")
    state = fields.Selection(QUEUE_STATES, required=True, default="waiting", index=True)
    payload_hash = fields.Char(help="Hash of the payload this row sends (its version).")
    request_id = fields.Many2one("xero.request", "Request", copy=False, index="btree_not_null", ondelete="set null",
                                 help="The request that carries (or carried) this row.")
    idempotency_key = fields.Char(copy=False, help="Key of the request that carries this row.")
    # the large columns are read when asked for, not with every row (prefetch=False)
    payload = fields.Text(copy=False, prefetch=False, help="The element as sent.")
    xero_ref = fields.Json(copy=False, prefetch=False,
                           help="What a removal needs when its document is gone: Xero id, type, status.")
    xero_history_note = fields.Text(
        "History note", copy=False, prefetch=False,
        help="What changed in Odoo, written in the Xero contact's history after it is sent.")
    xero_id = fields.Char("Xero ID", copy=False)
    attempts = fields.Integer(default=0)
    next_attempt = fields.Datetime(help="Transient failures wait until then.")
    message = fields.Text()
    date_sent = fields.Datetime()
    sending_since = fields.Datetime(
        copy=False, readonly=True,
        help="When this row's request was first sent: after 23 hours its Idempotency-Key may have "
        "expired in Xero, so the record is looked up in Xero before anything is sent again.")
    run_id = fields.Many2one("xero.sync.run", "Last run", ondelete="set null")

    @api.depends("record_name", "action")
    def _compute_display_name(self):
        labels = dict(QUEUE_ACTIONS)
        for row in self:
            row.display_name = f"{row.record_name or row.res_model}: {labels.get(row.action)}"

    def _xero_element(self):
        """The element this row sent (``{}`` before it was sent)."""
        self.ensure_one()
        return json.loads(self.payload or "{}")

    # ------------------------------------------------------------ user actions
    def action_open_record(self):
        self.ensure_one()
        return {"type": "ir.actions.act_window", "res_model": self.res_model, "res_id": self.res_id,
                "view_mode": "form"}

    def action_retry(self):
        """Put failed or skipped rows back in the queue (a user's explicit
        retry). Xero users only; rows in flight are never touched."""
        if not self.env.user.has_group("account_xero.group_xero_user"):
            raise AccessError(self.env._("Only Xero users can retry what waits for Xero."))
        self.check_access("read")
        self.sudo().filtered(lambda r: r.state in ("failed", "skipped")).write(
            {"state": "waiting", "next_attempt": False, "message": False})
        return True

    # ------------------------------------------------------------ enqueue
    @api.model
    def _xero_enqueue(self, connection, record, action="upsert", payload_hash=None, **values):
        """Queue ``record`` for ``action`` and return its open row.

        Skips (returns the existing row) when a row for the same record and
        action already waits with the same hash. A failed row whose hash
        changed goes back to waiting: the user fixed the record. A row in
        ``sending`` is never touched (its request may be in flight); a new
        row is queued behind it instead."""
        record.ensure_one()
        domain = [("connection_id", "=", connection.id), ("res_model", "=", record._name),
                  ("res_id", "=", record.id), ("action", "=", action), ("state", "in", ("waiting", "failed"))]
        row = self.sudo().search(domain, limit=1)
        if row:
            if row.state == "failed" and payload_hash and payload_hash == row.payload_hash:
                return row  # unchanged since Xero refused it: waits for a change or a retry
            row.write(dict(values, state="waiting", payload_hash=payload_hash or row.payload_hash,
                           next_attempt=False))
            return row
        return self.sudo().create(dict(self._xero_row_vals(connection, record, action, payload_hash), **values))

    @api.model
    def _xero_row_vals(self, connection, record, action, payload_hash):
        """Values of a new row queuing ``record`` for ``action``."""
        vals = {"connection_id": connection.id, "res_model": record._name, "res_id": record.id,
                "record_name": record.display_name, "action": action, "payload_hash": payload_hash}
        if record._name == "account.move":
            vals["move_id"] = record.id
        elif record._name == "res.partner":
            vals["partner_id"] = record.id
        elif record._name == "purchase.order":
            vals["purchase_id"] = record.id
        return vals

    @api.model
    def _xero_enqueue_batch(self, connection, records, action="upsert", hashes=None, force=False, values=None):
        """:meth:`_xero_enqueue` for many records of one model in two queries.

        ``hashes`` maps record id → payload hash; ``values`` record id →
        more values of the row. Like ``_xero_enqueue``: a failed row whose
        hash did not change stays failed unless ``force`` (a user's
        explicit "send"), rows in ``sending`` are left alone. Returns the
        open rows of these records."""
        hashes = hashes or {}
        values = values or {}
        if not records:
            return self.sudo().browse()
        existing = self.sudo().search([
            ("connection_id", "=", connection.id), ("res_model", "=", records._name),
            ("res_id", "in", records.ids), ("action", "=", action), ("state", "in", ("waiting", "failed"))])
        by_record = {}
        for row in existing:
            by_record.setdefault(row.res_id, row)
        rows = self.sudo().browse()
        to_create = []
        for record in records:
            new_hash = hashes.get(record.id)
            row = by_record.get(record.id)
            if row:
                rows |= row
                if row.state == "failed" and not force and (not new_hash or new_hash == row.payload_hash):
                    continue
                if row.state == "waiting" and (not new_hash or new_hash == row.payload_hash) \
                        and not row.next_attempt and record.id not in values:
                    continue
                row.write(dict(values.get(record.id, {}), state="waiting", payload_hash=new_hash or row.payload_hash,
                               next_attempt=False, message=False))
                continue
            to_create.append(dict(self._xero_row_vals(connection, record, action, new_hash),
                                  **values.get(record.id, {})))
        if to_create:
            rows |= self.sudo().create(to_create)
        return rows

    # ------------------------------------------------------------ claim
    @api.model
    def _xero_still_due(self, ids):
        """Those of the rows ``ids`` still waiting or in flight."""
        self.flush_model(["state"])
        self.env.cr.execute("SELECT id FROM xero_queue WHERE id = ANY(%s) AND state IN ('waiting', 'sending')",
                            (list(ids),))
        return [row_id for (row_id,) in self.env.cr.fetchall()]

    @api.model
    def _xero_claim(self, connection, res_model, action, limit, exclude_ids=None):
        """Lock up to ``limit`` rows due for sending (``FOR UPDATE SKIP LOCKED``).

        Rows left in ``sending`` by an interrupted run come first, grouped by
        their request, so they are replayed before anything new. Rows in
        ``exclude_ids`` (already handled by this run) are skipped, so an
        exporter that leaves a row waiting can never make a run loop."""
        self.env["xero.queue"].flush_model()
        self.env.cr.execute(
            """SELECT id FROM xero_queue
                WHERE connection_id = %s AND res_model = %s AND action = %s
                  AND (state = 'sending'
                       OR (state = 'waiting' AND (next_attempt IS NULL OR next_attempt <= %s)))
                  AND NOT (id = ANY(%s))
             ORDER BY state = 'sending' DESC, request_id, idempotency_key, id
                LIMIT %s
           FOR UPDATE SKIP LOCKED""",
            (connection.id, res_model, action, fields.Datetime.now(), list(exclude_ids or []), limit),
        )
        return self.sudo().browse([r[0] for r in self.env.cr.fetchall()])

    @api.model
    def _xero_mark_sending(self, request, run, entries, now):
        """Mark rows ``sending`` with ``request``, in one statement: entries are
        ``(row, fresh, payload)`` — a fresh row (not already in this request)
        counts an attempt and starts its ``sending_since``; ``payload`` (the
        element as sent) is kept as it was when None (a file's request)."""
        if not entries:
            return
        rows = self.sudo().browse([row.id for row, _fresh, _payload in entries])
        rows.flush_recordset(SENDING_FIELDS)
        values = SQL(", ").join(SQL("(%s, %s, %s::text)", row.id, bool(fresh), payload)
                                for row, fresh, payload in entries)
        self.env.cr.execute(SQL(
            """UPDATE xero_queue AS q
                  SET state = 'sending', request_id = %s, idempotency_key = %s, run_id = %s, next_attempt = NULL,
                      attempts = CASE WHEN v.fresh THEN COALESCE(q.attempts, 0) + 1 ELSE q.attempts END,
                      sending_since = CASE WHEN v.fresh THEN %s ELSE q.sending_since END,
                      payload = COALESCE(v.payload, q.payload), write_date = %s, write_uid = %s
                 FROM (VALUES %s) AS v(id, fresh, payload) WHERE q.id = v.id""",
            request.id, request.key, run.id, now, now, self.env.uid, values))
        rows.invalidate_recordset([*SENDING_FIELDS, "write_date", "write_uid"])
        rows.modified(SENDING_FIELDS)

    @api.model
    def _xero_check_not_in_flight(self, res_model, ids):
        """Refuse to change records whose request to Xero waits for its answer:
        the answer must find them to be recorded (nothing is sent twice)."""
        from odoo.exceptions import UserError

        rows = self.sudo().search([("res_model", "=", res_model), ("res_id", "in", list(ids)),
                                   ("state", "=", "sending")], limit=1)
        if rows:
            raise UserError(self.env._(
                "%(record)s is being sent to Xero right now: wait for Xero's answer (the next sync records it), "
                "then try again.", record=rows.record_name))

    # ------------------------------------------------------------ outcomes
    def _xero_succeed(self, run, xero_object, xero_id=None, message=None, response=None):
        """Row done: sent, logged; the caller has bound the record already."""
        self._xero_succeed_many(run, xero_object, [(row, xero_id, message) for row in self], response=response)

    @api.model
    def _xero_succeed_many(self, run, xero_object, outcomes, response=None):
        """:meth:`_xero_succeed` for a request's rows, each with its own
        ``(row, xero_id, message)``: the rows are written in one statement
        (a ``write`` per row costs a millisecond each and has no logic here
        but the documents' status, recomputed once for the batch through
        ``modified``) and their log rows created at once."""
        if not outcomes:
            return
        now = fields.Datetime.now()
        rows = self.sudo().browse([row.id for row, _xero_id, _message in outcomes])
        rows.flush_recordset(SUCCEED_FIELDS)
        values = SQL(", ").join(SQL("(%s, %s, %s)", row.id, xero_id or row.xero_id or None, message or None)
                                for row, xero_id, message in outcomes)
        self.env.cr.execute(SQL(
            "UPDATE xero_queue AS q SET state = 'sent', xero_id = v.xero_id, date_sent = %s, message = v.message, "
            "next_attempt = NULL, sending_since = NULL, write_date = %s, write_uid = %s "
            "FROM (VALUES %s) AS v(id, xero_id, message) WHERE q.id = v.id", now, now, self.env.uid, values))
        rows.invalidate_recordset([*SUCCEED_FIELDS, "write_date", "write_uid"])
        rows.modified(SUCCEED_FIELDS)
        self._xero_log_many(run, xero_object, "done", [(row, message, xero_id) for row, xero_id, message in outcomes],
                            response=response)

    def _xero_fail(self, run, xero_object, message, response=None):
        """Row refused: it waits until the record changes or a user retries it."""
        self.write({"state": "failed", "message": message, "next_attempt": False, "sending_since": False})
        self._xero_log_many(run, xero_object, "failed", [(row, message, None) for row in self], response=response)

    def _xero_skip(self, run, xero_object, message):
        """Row not to be sent (and why): nothing was called for it."""
        self.write({"state": "skipped", "message": message, "next_attempt": False})
        self._xero_log_many(run, xero_object, "skipped", [(row, message, None) for row in self])

    @api.model
    def _xero_log_many(self, run, xero_object, state, entries, response=None):
        """One ``xero.sync.log`` row per ``(row, message, xero_id)``, created
        in one go; a row whose record was deleted meanwhile is logged without it."""
        if not entries:
            return
        # what the log rows read of the queue rows, in one narrow query (after a commit the
        # first field read would load every column of the rows)
        self.sudo().browse([row.id for row, _message, _xero_id in entries]).fetch(LOG_FIELDS)
        existing = {}
        for model, ids in _ids_by_model(row for row, _message, _xero_id in entries).items():
            existing[model] = {rec.id: rec for rec in self.env[model].sudo().browse(ids).exists()}
        Log = self.env["xero.sync.log"]
        Log.sudo()._create_many([
            Log._log_vals(row.connection_id, xero_object, "export", state,
                          record=existing[row.res_model].get(row.res_id), message=message, run=run,
                          xero_id=xero_id or row.xero_id, request=row.payload, response=response,
                          record_name=row.record_name)
            for row, message, xero_id in entries])


def _ids_by_model(rows):
    """``{res_model: [res_id, ...]}`` of queue rows."""
    found = {}
    for row in rows:
        found.setdefault(row.res_model, []).append(row.res_id)
    return found
