"""The exactly-once protocol of the waiting queue.

Every handler (contacts, documents, payments, ...) sends its rows through
:meth:`XeroQueueProtocol._xero_send_batch`, which:

1. builds each row's element (a row whose element cannot be built — a
   mapping gap — fails alone, with its message, and no call is made for it);
2. marks the rows ``sending`` with the payload and the request's
   Idempotency-Key and **commits** before the call;
3. sends ≤ 50 elements in one request with ``summarizeErrors=false``;
4. gives each row its own outcome (the handler binds the returned id), and
   commits again.

A crash or a lost answer anywhere leaves rows in ``sending`` with their
payload and key: the next run replays the very same request (same body, same
key), so Xero answers what it answered the first time instead of creating
the records again.

Xero keeps an Idempotency-Key for 24 hours only. A request still ``sending``
after :data:`STALE_AFTER` (a crash followed by a long outage) is therefore not
replayed blindly: the handler's ``lookup`` looks its records up in Xero (sales
documents by their unique number, every document by the ``Url`` pointing back
to Odoo) and binds what it finds; only what Xero does not have is sent again.

Every key includes the row's attempt number: a user's retry of a row Xero
refused is a new request and must not receive Xero's stored refusal.
"""

import hashlib
import json
import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.modules import module as odoo_module

from ..services.client import validation_messages
from ..services.errors import (
    XeroAuthError,
    XeroDayLimitError,
    XeroError,
    XeroMappingError,
    XeroRetryableError,
    XeroValidationError,
)

_logger = logging.getLogger(__name__)

BATCH_SIZE = 50
#: backoff of a row whose request failed transiently: attempt n waits BACKOFF[n]
BACKOFF_MINUTES = (1, 5, 15, 60, 240)
#: Xero keeps an Idempotency-Key 24 hours; a request left ``sending`` longer
#: than this is looked up in Xero before being sent again (see _xero_send_batch)
STALE_AFTER = timedelta(hours=23)
BATCH_SIZE_PARAM = "account_xero.batch_size"


def xero_commit(env):
    """Commit the work done so far, except in tests (they roll back).

    ``current_test`` is read at call time: importing the name would freeze
    the value it had when this module was loaded (never a test)."""
    if not odoo_module.current_test:
        env.cr.commit()


class XeroQueueProtocol(models.Model):
    _inherit = "xero.queue"

    sending_since = fields.Datetime(
        copy=False, readonly=True,
        help="When this row's request was first sent: after 23 hours its Idempotency-Key may have "
        "expired in Xero, so the record is looked up in Xero before anything is sent again.")

    @api.model
    def _xero_batch_size(self):
        """Elements per request: 50 (Xero's advice), lower with the system
        parameter ``account_xero.batch_size`` (never above 50)."""
        value = self.env["ir.config_parameter"].sudo().get_param(BATCH_SIZE_PARAM)
        try:
            return max(1, min(BATCH_SIZE, int(value))) if value else BATCH_SIZE
        except ValueError:
            return BATCH_SIZE

    # ------------------------------------------------------------ enqueue
    @api.model
    def _xero_enqueue(self, connection, record, action="upsert", payload_hash=None, **values):
        """Queue ``record`` for ``action`` and return its open row.

        Skips (returns the existing row) when a row for the same record and
        action already waits with the same hash. A failed row whose hash
        changed goes back to waiting: the user fixed the record. A row in
        ``sending`` is never touched (its request may be in flight); a new
        row is queued behind it instead.
        """
        record.ensure_one()
        domain = [("connection_id", "=", connection.id), ("res_model", "=", record._name),
                  ("res_id", "=", record.id), ("action", "=", action),
                  ("state", "in", ("waiting", "failed"))]
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
        return vals

    @api.model
    def _xero_enqueue_batch(self, connection, records, action="upsert", hashes=None, force=False):
        """:meth:`_xero_enqueue` for many records of one model in two queries.

        ``hashes`` maps record id → payload hash. Like ``_xero_enqueue``: a
        failed row whose hash did not change stays failed unless ``force``
        (a user's explicit "send"), rows in ``sending`` are left alone.
        Returns the open rows of these records."""
        hashes = hashes or {}
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
                        and not row.next_attempt:
                    continue
                row.write({"state": "waiting", "payload_hash": new_hash or row.payload_hash,
                           "next_attempt": False, "message": False})
                continue
            to_create.append(self._xero_row_vals(connection, record, action, new_hash))
        if to_create:
            rows |= self.sudo().create(to_create)
        return rows

    # ------------------------------------------------------------ claim
    @api.model
    def _xero_claim(self, connection, res_model, action, limit=BATCH_SIZE, exclude_ids=None):
        """Lock up to ``limit`` rows due for sending (``FOR UPDATE SKIP LOCKED``).

        Rows left in ``sending`` by an interrupted run come first, grouped by
        their request key, so they are replayed before anything new. Rows in
        ``exclude_ids`` (already handled by this run) are skipped, so a
        handler that leaves a row waiting can never make a run loop."""
        self.env["xero.queue"].flush_model()
        self.env.cr.execute(
            """SELECT id FROM xero_queue
                WHERE connection_id = %s AND res_model = %s AND action = %s
                  AND (state = 'sending'
                       OR (state = 'waiting' AND (next_attempt IS NULL OR next_attempt <= %s)))
                  AND NOT (id = ANY(%s))
             ORDER BY state = 'sending' DESC, idempotency_key, id
                LIMIT %s
           FOR UPDATE SKIP LOCKED""",
            (connection.id, res_model, action, fields.Datetime.now(), list(exclude_ids or []), limit),
        )
        return self.sudo().browse([r[0] for r in self.env.cr.fetchall()])

    # ------------------------------------------------------------ send
    def _xero_request_key(self):
        """Idempotency-Key of a request: database, rows, their versions and attempt.

        The attempt number is part of it: a row Xero refused and a user
        retried (same payload version) is a *new* request, which must not get
        Xero's stored answer to the refused one back."""
        dbuuid = self.env["ir.config_parameter"].sudo().get_param("database.uuid", "")
        parts = [dbuuid] + [f"{r.res_model}:{r.res_id}:{r.action}:{r.id}:{r.payload_hash}:{r.attempts}"
                            for r in self]
        return "odoo-" + hashlib.sha256("|".join(parts).encode()).hexdigest()[:64]

    def _xero_send_batch(self, connection, client, run, method, collection, build, on_success,
                         xero_object, extra_kwargs=None, lookup=None, explain=None, on_success_many=None):
        """Send these rows in requests of ≤ 50 elements; see the module doc.

        ``build(row) -> dict`` makes one element (raise XeroMappingError to
        hold that row back with a message; return None when the handler
        skipped or failed the row itself). ``on_success(row, element)`` binds
        what Xero returned; a handler that records a whole answer at once
        gives ``on_success_many(pairs)`` instead, called once per answer with
        the ``(row, element)`` pairs Xero accepted. ``explain(row, messages)
        -> str`` turns Xero's validation messages into the row's message
        (default: joined as is).

        Rows already ``sending`` are replayed with their stored payload and
        key, always as the whole request they were part of (a partial replay
        would be a different body under the same key). Xero forgets keys
        after 24 hours: rows ``sending`` for longer than :data:`STALE_AFTER`
        are first given to ``lookup(rows) -> {row.id: element}``; the ones
        found in Xero are bound without sending anything, the others are
        built and sent again as new requests. Without ``lookup`` they are
        replayed like the others.

        Raises XeroDayLimitError (the run stops) and lets other transient
        errors leave the rows ``sending`` for a replay.
        """
        take = on_success_many or _one_by_one(on_success)
        replay = self.filtered(lambda r: r.state == "sending" and r.payload and r.idempotency_key)
        if replay:
            # whole requests only: add the rows of the same keys this claim did not get
            replay |= self.sudo().search([("idempotency_key", "in", replay.mapped("idempotency_key")),
                                          ("state", "=", "sending"), ("id", "not in", replay.ids)])
        fresh = self - replay
        if replay and lookup:
            limit = fields.Datetime.now() - STALE_AFTER
            stale = replay.filtered(lambda r: r.sending_since and r.sending_since < limit)
            if stale:
                found = lookup(stale)
                bound = [(row, found[row.id]) for row in stale if row.id in found]
                if bound:
                    take(bound)
                lost = stale.filtered(lambda r: r.id not in found)
                lost.write({"state": "waiting", "idempotency_key": False, "payload": False,
                            "sending_since": False})
                xero_commit(self.env)
                replay -= stale
                fresh |= lost
        for key in dict.fromkeys(replay.mapped("idempotency_key")):
            rows = replay.filtered(lambda r, k=key: r.idempotency_key == k).sorted("id")
            rows._xero_call(connection, client, run, method, collection, take, xero_object,
                            key, [json.loads(r.payload) for r in rows], extra_kwargs, explain)
        ready = self.browse()
        elements = []
        for row in fresh.sorted("id"):
            try:
                element = build(row)
            except XeroMappingError as exc:
                row._xero_fail(run, xero_object, exc.message)
                continue
            if element is None:
                continue  # the handler skipped the row itself (and said why)
            ready |= row
            elements.append(element)
        size = self._xero_batch_size()
        for start in range(0, len(ready), size):
            rows = ready[start:start + size]
            chunk = elements[start:start + size]
            rows._xero_mark_sending(run, chunk)
            rows._xero_call(connection, client, run, method, collection, take, xero_object,
                            rows[0].idempotency_key, chunk, extra_kwargs, explain)

    def _xero_mark_sending(self, run, elements):
        """Give these rows (one request) their key and payload, mark them
        ``sending`` and commit: from here on a crash leads to a replay."""
        key = self._xero_request_key()
        now = fields.Datetime.now()
        for row, element in zip(self, elements, strict=True):
            row.write({"state": "sending", "idempotency_key": key, "run_id": run.id, "sending_since": now,
                       "payload": json.dumps(element, default=str), "attempts": row.attempts + 1})
        xero_commit(self.env)
        return key

    def _xero_call(self, connection, client, run, method, collection, take, xero_object,
                   key, elements, extra_kwargs, explain=None):
        """One request for these rows (same order as ``elements``); ``take``
        gets the ``(row, element)`` pairs Xero accepted."""
        kwargs = dict(extra_kwargs or {}, summarize_errors=False, idempotency_key=key)
        calls_before = client.calls
        try:
            response = client.accounting(method, {collection: elements}, **kwargs)
        except (XeroDayLimitError, XeroAuthError):
            run.sudo().api_calls += client.calls - calls_before
            raise
        except XeroRetryableError as exc:
            # the outcome is unknown: rows stay 'sending' and the same request
            # is replayed by the next run
            delay = BACKOFF_MINUTES[min(len(BACKOFF_MINUTES) - 1, max(self.mapped("attempts") or [1]) - 1)]
            self.write({"next_attempt": fields.Datetime.now() + timedelta(minutes=delay),
                        "message": self.env._("Xero did not answer (%(error)s); retried automatically.",
                                              error=exc.message)})
            run.sudo().api_calls += client.calls - calls_before
            xero_commit(self.env)
            raise
        except XeroError as exc:
            run.sudo().api_calls += client.calls - calls_before
            if exc.status == 413 and len(self) > 1:
                # too large for one request: send each half as a request of its own
                half = len(self) // 2
                for part, part_elements in ((self[:half], elements[:half]), (self[half:], elements[half:])):
                    part._xero_mark_sending(run, part_elements)
                    part._xero_call(connection, client, run, method, collection, take, xero_object,
                                    part[0].idempotency_key, part_elements, extra_kwargs, explain)
                return
            # the request as a whole was refused (400, 413...): every row carries the message
            for row in self:
                message = explain(row, exc.errors or [exc.message]) if explain and \
                    isinstance(exc, XeroValidationError) else exc.message
                row._xero_fail(run, xero_object, message, response=exc.body)
            xero_commit(self.env)
            return
        run.sudo().api_calls += client.calls - calls_before
        self._xero_take_answer(run, response.data.get(collection) or [], xero_object, take, explain)
        xero_commit(self.env)

    def _xero_take_answer(self, run, returned, xero_object, take, explain=None):
        """Each row's outcome from Xero's answer (same order as the request):
        failed with Xero's messages, or given to the handler through ``take``."""
        accepted = []
        for index, row in enumerate(self):
            element = returned[index] if index < len(returned) else {}
            errors = validation_messages(element)
            if element.get("HasErrors") or errors or not element:
                if errors and explain:
                    message = explain(row, errors)
                else:
                    message = "; ".join(errors) or self.env._("Xero returned no answer for it.")
                row._xero_fail(run, xero_object, message, response=element)
            else:
                accepted.append((row, element))
        if accepted:
            take(accepted)

    # ------------------------------------------------------------ outcomes
    def _xero_succeed(self, run, xero_object, xero_id=None, message=None, response=None):
        """Row done: sent, logged; the caller has bound the record already."""
        self._xero_succeed_many(run, xero_object, [(row, xero_id, message) for row in self], response=response)

    @api.model
    def _xero_succeed_many(self, run, xero_object, outcomes, response=None):
        """:meth:`_xero_succeed` for a request's rows, each with its own
        ``(row, xero_id, message)``: their log rows are created at once."""
        now = fields.Datetime.now()
        for row, xero_id, message in outcomes:
            row.write({"state": "sent", "xero_id": xero_id or row.xero_id, "date_sent": now,
                       "message": message or False, "next_attempt": False, "sending_since": False})
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
        existing = {}
        for model, ids in _ids_by_model(row for row, _message, _xero_id in entries).items():
            existing[model] = {rec.id: rec for rec in self.env[model].browse(ids).exists()}
        Log = self.env["xero.sync.log"]
        Log.sudo().create([
            Log._log_vals(row.connection_id, xero_object, "export", state,
                          record=existing[row.res_model].get(row.res_id), message=message, run=run,
                          xero_id=xero_id or row.xero_id, request=row.payload, response=response)
            for row, message, xero_id in entries])


def _one_by_one(on_success):
    """``on_success(row, element)`` as a callable taking a whole answer's pairs."""
    def take(accepted):
        for row, element in accepted:
            on_success(row, element)
    return take


def _ids_by_model(rows):
    """``{res_model: [res_id, ...]}`` of queue rows."""
    found = {}
    for row in rows:
        found.setdefault(row.res_model, []).append(row.res_id)
    return found
