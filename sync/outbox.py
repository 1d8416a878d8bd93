"""The outbox: every write to Xero goes through here, exactly once.

For the queue rows an exporter gives it (:mod:`.exporter`), the outbox:

1. replays first the requests left *in flight* (rows ``sending``): the very
   same body under the very same Idempotency-Key, read back from the
   ``xero.request`` that stored them — whatever happened to the rows since
   (a row deleted, a record changed), so Xero answers what it answered the
   first time instead of doing it twice;
2. builds each new row's element (a row whose element cannot be built fails
   alone, with its message, and costs no call);
3. opens a request: a random key (unique to this copy of the database, so a
   restored copy never sends a key of the original), the exact JSON text, the
   rows in body order; marks the rows ``sending`` and **commits before the
   call**;
4. sends ≤ 50 elements per request (``summarizeErrors=false``), gives each
   row its own outcome (the exporter binds what Xero accepted, explains
   what it refused) and commits again.

Xero keeps a key 24 hours. A request still in flight after
:data:`STALE_AFTER` is not replayed blindly: the exporter's ``lookup`` finds
its records in Xero (documents by number and link back to Odoo, contacts by
name, payments by document and amount, voids by status, files by name); what
is found is bound, the rest is built and sent again as a new request.

One-object requests (a file, a history note) go through :meth:`Outbox.call`
with a ``tag`` naming the part of the row they carry, so a row with several
files resumes at the file it was sending.
"""

import json
import logging
from datetime import timedelta

from odoo import fields

from ..services.api import OPERATIONS
from ..services.client import validation_messages
from ..services.errors import (
    XeroAuthError,
    XeroDayLimitError,
    XeroError,
    XeroMappingError,
    XeroPermissionError,
    XeroRetryableError,
    XeroValidationError,
)
from .run import commit

_logger = logging.getLogger(__name__)

BATCH_SIZE = 50
BATCH_SIZE_PARAM = "account_xero.batch_size"
#: backoff of a row whose request failed transiently: attempt n waits BACKOFF_MINUTES[n]
BACKOFF_MINUTES = (1, 5, 15, 60, 240)
#: Xero keeps an Idempotency-Key 24 hours; a request in flight longer than
#: this is looked up in Xero before anything is sent again
STALE_AFTER = timedelta(hours=23)


def batch_size(env):
    """Elements per request: 50 (Xero's advice), lower with the system
    parameter ``account_xero.batch_size`` (never above 50)."""
    value = env["ir.config_parameter"].sudo().get_param(BATCH_SIZE_PARAM)
    try:
        return max(1, min(BATCH_SIZE, int(value))) if value else BATCH_SIZE
    except ValueError:
        return BATCH_SIZE


def permission_message(env, exc):
    return env._("Xero refused: the connection lacks permission %(scope)s — reconnect to grant it "
                 "(Accounting ▸ Configuration ▸ Xero ▸ Connection ▸ Reconnect).", scope=exc.scope or exc.message)


class Outbox:
    """The exactly-once protocol (see the module doc) for one run."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.env = ctx.env
        self.Queue = ctx.env["xero.queue"].sudo()
        self.Request = ctx.env["xero.request"].sudo()

    # ------------------------------------------------------------ batched
    def send(self, exporter, rows, held=None):
        """Send these claimed rows of ``exporter`` (see the module doc).

        ``held`` maps row ids to a message: those rows fail without being
        built (what they need could not be made available in Xero)."""
        held = held or {}
        rows = rows.exists()
        self._adopt_legacy(exporter, rows)
        requests = rows.filtered(lambda r: r.state == "sending").request_id
        fresh = rows.filtered(lambda r: r.state == "waiting")
        for request in requests.sorted("id"):
            fresh |= self._replay(exporter, request)
        groups = {}
        for row in fresh.sorted("id"):
            if row.id in held:
                row._xero_fail(self.ctx.run, exporter.object_of(row), held[row.id])
                continue
            try:
                built = exporter.build(row)
            except XeroMappingError as exc:
                row._xero_fail(self.ctx.run, exporter.object_of(row), exc.message)
                continue
            if built is None:
                continue  # the exporter skipped the row itself, and said why
            operation, element = built
            groups.setdefault(operation, []).append((row, element))
        size = batch_size(self.env)
        for operation, pairs in groups.items():
            for start in range(0, len(pairs), size):
                self._call(exporter, self._open(exporter, operation, pairs[start:start + size]))

    def _open(self, exporter, operation, pairs, params=None, tag=None, attachment=None):
        """A new request for ``pairs`` (``(row, element)``), its rows marked
        ``sending``, committed: from here on a crash leads to a replay."""
        now = fields.Datetime.now()
        values = {
            "connection_id": self.ctx.connection.id, "exporter": exporter.name, "operation": operation,
            "params": params or {}, "row_order": [row.id for row, _element in pairs], "sent_at": now,
            "run_id": self.ctx.run.id, "tag": tag,
        }
        texts = [json.dumps(element, default=str) for _row, element in pairs] if attachment is None else None
        if attachment is not None:
            values.update(attachment_id=attachment.id, checksum=attachment.checksum)
        elif OPERATIONS[operation].batched:
            # the text json.dumps gives {collection: [elements]}, from each element's text (dumped once)
            values["body"] = f"{{{json.dumps(OPERATIONS[operation].collection)}: [{', '.join(texts)}]}}"
        else:
            values["body"] = texts[0]
        request = self.Request.create(values)
        self.Queue.browse([row.id for row, _element in pairs]).fetch(["state", "request_id"])
        self.Queue._xero_mark_sending(request, self.ctx.run, [
            (row, row.state != "sending" or row.request_id != request, texts[index] if texts else None)
            for index, (row, _element) in enumerate(pairs)], now)
        commit(self.env)
        return request

    def _body(self, request):
        """What goes on the wire: the stored text, parsed (xero-python
        serialises it back to the same bytes), or the file's bytes."""
        # the columns read from here on, not every column of the request
        request.fetch(["attachment_id", "body", "row_order", "operation", "key", "params"])
        if request.attachment_id:
            return request.attachment_id.raw
        return json.loads(request.body) if request.body else None

    def _stale(self, request):
        limit = fields.Datetime.now() - STALE_AFTER
        rows = self.Queue.browse(request.row_order or []).exists()
        return (request.sent_at and request.sent_at < limit) or any(
            row.sending_since and row.sending_since < limit for row in rows)

    def _replay(self, exporter, request):
        """Send an in-flight request again, or look a stale one up; return
        the rows to build afresh (stale ones Xero does not have)."""
        if not self._stale(request):
            self._call(exporter, request)
            return self.Queue.browse()
        pairs = [(row, element) for row, element in request._rows() if row and row.state == "sending"]
        found = exporter.lookup(request, pairs) if pairs else {}
        bound = [(row, found[row.id]) for row, _element in pairs if row.id in found]
        if bound:
            exporter.bind(bound)
        lost = self.Queue.browse([row.id for row, _element in pairs if row.id not in found])
        lost.write({"state": "waiting", "request_id": False, "idempotency_key": False, "payload": False,
                    "sending_since": False})
        request.state = "lost"
        commit(self.env)
        return lost

    def _call(self, exporter, request):
        """One batched request; each row gets its outcome from Xero's answer."""
        body = self._body(request)
        pairs = request._rows(body if isinstance(body, dict) else None)
        rows = self.Queue.browse([row.id for row, _element in pairs if row])
        try:
            answer = self.ctx.api.execute(request.operation, body, request.key, request.params)
        except XeroPermissionError as exc:
            request.state = "answered"
            for row in rows:
                row._xero_fail(self.ctx.run, exporter.object_of(row), permission_message(self.env, exc),
                               response=exc.body)
            commit(self.env)
            return
        except (XeroDayLimitError, XeroAuthError):
            raise
        except XeroRetryableError as exc:
            self._backoff(rows, exc)
            raise
        except XeroError as exc:
            self._refused(exporter, request, pairs, rows, exc)
            return
        request.state = "answered"
        self._take(exporter, request, pairs, answer)
        commit(self.env)

    def _refused(self, exporter, request, pairs, rows, exc):
        """Xero refused the request as a whole (400, 413...): every row carries
        the message — or, too large for one request and never answered, each
        half is sent as a request of its own."""
        if exc.status == 413 and len(pairs) > 1 and request.attempts == 1 and all(r for r, _e in pairs):
            request.state = "lost"
            half = len(pairs) // 2
            for part in (pairs[:half], pairs[half:]):
                self._call(exporter, self._open(exporter, request.operation, part, request.params))
            return
        request.state = "answered"
        for row in rows:
            message = exporter.explain(row, exc.errors or [exc.message]) \
                if isinstance(exc, XeroValidationError) else exc.message
            row._xero_fail(self.ctx.run, exporter.object_of(row), message, response=exc.body)
        commit(self.env)

    def _take(self, exporter, request, pairs, answer):
        """Each row's outcome from Xero's answer (same order as the body):
        failed with Xero's messages, or bound by the exporter."""
        accepted = []
        for index, (row, _sent) in enumerate(pairs):
            element = answer[index] if index < len(answer) else {}
            if not row:
                _logger.warning("Xero answered for a queue row deleted meanwhile (request %s, element %s): %s",
                                request.key, index, element.get("ValidationErrors") or "accepted")
                continue
            errors = validation_messages(element)
            if element.get("HasErrors") or errors or not element:
                message = exporter.explain(row, errors) if errors else self.env._("Xero returned no answer for it.")
                row._xero_fail(self.ctx.run, exporter.object_of(row), message, response=element)
            else:
                accepted.append((row, element))
        if accepted:
            exporter.bind(accepted)

    def _backoff(self, rows, exc):
        """Xero did not answer: the outcome is unknown, the rows stay
        ``sending`` and the same request is replayed after a backoff."""
        attempts = max(rows.mapped("attempts") or [1])
        delay = BACKOFF_MINUTES[min(len(BACKOFF_MINUTES) - 1, max(attempts, 1) - 1)]
        rows.write({"next_attempt": fields.Datetime.now() + timedelta(minutes=delay),
                    "message": self.env._("Xero did not answer (%(error)s); retried automatically.",
                                          error=exc.message)})
        commit(self.env)

    def _adopt_legacy(self, exporter, rows):
        """Rows marked ``sending`` by the version before the outbox stored
        requests (a key and a payload on each row, no request): their
        request is rebuilt as that version sent it — the rows' payloads in
        id order under their key — so they replay byte for byte."""
        legacy = rows.filtered(lambda r: r.state == "sending" and not r.request_id and r.idempotency_key)
        if not legacy:
            return
        legacy |= self.Queue.search([("idempotency_key", "in", legacy.mapped("idempotency_key")),
                                     ("state", "=", "sending"), ("request_id", "=", False)])
        for key in dict.fromkeys(legacy.mapped("idempotency_key")):
            group = legacy.filtered(lambda r, k=key: r.idempotency_key == k).sorted("id")
            elements = [json.loads(row.payload or "{}") for row in group]
            operation = exporter.legacy_operation(group, elements)
            request = self.Request.create({
                "connection_id": self.ctx.connection.id, "exporter": exporter.name, "operation": operation,
                "key": key, "row_order": group.ids, "run_id": self.ctx.run.id,
                "sent_at": min(group.mapped("sending_since") or [False]) or fields.Datetime.now(),
                "body": json.dumps({OPERATIONS[operation].collection: elements}, default=str)})
            group.write({"request_id": request.id})
        commit(self.env)

    # ------------------------------------------------------------ one object
    def call(self, exporter, row, operation, params, body=None, tag=None, attachment=None):
        """Send one object for ``row`` exactly once; return Xero's answer
        (the elements of the operation's collection).

        The request in flight for the same row and ``tag`` is replayed (the
        same bytes under the same key); when it is stale, the exporter's
        ``lookup_one`` is asked first and its answer returned when Xero has
        it. A refusal (4xx) closes the request and is raised; a transient
        failure leaves it in flight and is raised."""
        tag = f"{row.id}:{tag or operation}"
        request = self.Request.search([("connection_id", "=", self.ctx.connection.id), ("tag", "=", tag),
                                       ("state", "=", "sending")], limit=1, order="id desc")
        if request and attachment is not None and (not request.attachment_id
                                                   or request.attachment_id.checksum != request.checksum):
            request.state = "lost"  # the file changed or went: what was sent cannot be sent again
            request = self.Request
        if request and self._stale(request):
            found = exporter.lookup_one(request, row)
            request.state = "answered" if found else "lost"
            commit(self.env)
            if found:
                return [found]
            request = self.Request
        if not request:
            request = self._open(exporter, operation, [(row, body)], params, tag=tag, attachment=attachment)
        try:
            answer = self.ctx.api.execute(request.operation, self._body(request), request.key, request.params)
        except (XeroDayLimitError, XeroRetryableError):
            raise
        except XeroPermissionError:
            request.state = "answered"
            raise
        except XeroAuthError:
            raise
        except XeroError:
            request.state = "answered"
            raise
        request.state = "answered"
        return answer
