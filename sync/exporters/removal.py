"""Cancelled or deleted documents → voided or deleted in Xero (queue
actions ``void`` and ``delete``).

One ``POST`` per collection with ``Status`` VOIDED (approved documents) or
DELETED (drafts and documents awaiting approval), decided from the status
Xero last gave. The row carries what it needs itself (the Xero id and type,
in ``xero_ref``): a draft deleted in Odoo has no document left to read. A
request whose key Xero forgot is looked up by id: a document Xero already
shows voided or deleted is done, not refused.
"""

from datetime import timedelta

from odoo import fields

from ...services.errors import XeroMappingError
from ...services.mappers.invoice import KINDS, status_element
from ..exporter import Exporter
from .document import GONE
from .document_notes import explain_refusals, log_outcomes

#: an action waiting for its document's own request to finish looks again after this
WAIT_FOR_DOCUMENT = timedelta(minutes=10)
#: Xero's writing of a removal on the document (the rest is bookkeeping of ours)
XERO_WRITE_CONTEXT = {"skip_invoice_sync": True, "check_move_validity": False,
                      "skip_is_manually_modified": True, "xero_no_queue": True, "mail_notrack": True}


def plan_removal(move, connection):
    """``(outcome, message, status)`` of removing this cancelled document
    from Xero: ``skip``, ``wait`` (its own request is in flight) or ``send``
    with ``VOIDED``/``DELETED``. Raises for a paid document."""
    env = move.env
    if move.state == "posted":
        return "skip", env._("Posted again in Odoo: it stays in Xero and is updated instead."), None
    if not move._xero_live_id():
        in_flight = move.xero_queue_ids.filtered(lambda r: r.action == "upsert" and r.state == "sending")
        if in_flight:
            return "wait", env._("Waits for the document's own request to Xero to finish."), None
        if move.xero_remote_status in GONE:
            return "skip", env._("Already %(status)s in Xero.", status=move.xero_remote_status.lower()), None
        return "skip", env._("Never reached Xero: nothing to remove there."), None
    if move.xero_remote_status == "PAID":
        raise XeroMappingError(env._(
            "%(doc)s is paid in Xero, so Xero cannot void it: remove its payments in Xero first, then retry.",
            doc=move.display_name))
    status = "DELETED" if move.xero_remote_status in ("DRAFT", "SUBMITTED") else "VOIDED"
    return "send", None, status


class RemovalExporter(Exporter):
    name = "removal"
    model = "account.move"
    actions = ("delete", "void")
    xero_object = "invoice"

    def __init__(self, ctx):
        super().__init__(ctx)
        self.notes = {}

    def kind(self, row):
        """The document kind of a row: its move's, or the one the row kept
        when the move was deleted in Odoo."""
        if row.move_id:
            return KINDS[row.move_id.move_type]
        return KINDS[(row.xero_ref or {}).get("move_type", "out_invoice")]

    def object_of(self, row):
        return self.kind(row).xero_object

    def build(self, row):
        kind = self.kind(row)
        move = row.move_id
        if not move:
            ref = row.xero_ref or {}
            if not ref.get("xero_id"):
                row._xero_skip(self.run, kind.xero_object, self.env._("Never reached Xero: nothing to remove there."))
                return None
            status = "DELETED" if ref.get("status") in ("DRAFT", "SUBMITTED") else "VOIDED"
            return kind.operation("status"), status_element(kind, ref["xero_id"], status)
        outcome, message, status = plan_removal(move, self.connection)
        if outcome == "skip":
            row._xero_skip(self.run, kind.xero_object, message)
            return None
        if outcome == "wait":
            row.write({"next_attempt": fields.Datetime.now() + WAIT_FOR_DOCUMENT, "message": message})
            return None
        return kind.operation("status"), status_element(kind, move.xero_id, status)

    def legacy_operation(self, rows, elements):
        return self.kind(rows[0]).operation("status")

    def bind(self, pairs):
        for row, element in pairs:
            kind = self.kind(row)
            status = element.get("Status") or ""
            message = self.env._("%(status)s in Xero.", status=status.capitalize())
            move = row.move_id.with_context(**XERO_WRITE_CONTEXT)
            if move:
                move._xero_store_remote(element)
                move.sudo().write({"xero_hash": False})
                self.notes[move.id] = message
            row._xero_succeed(self.run, kind.xero_object, xero_id=element.get(kind.id_field), message=message)

    def explain(self, row, messages):
        if not row.move_id:
            return " ".join(self.env._("Xero refused it: %(error)s", error=text) for text in dict.fromkeys(messages))
        return explain_refusals(row.move_id, messages)

    def lookup(self, request, pairs):
        """A void or delete whose key Xero forgot: done when Xero already
        shows the document voided or deleted; sent again otherwise."""
        kind = self.kind(pairs[0][0])
        ids = [sent.get(kind.id_field) for _row, sent in pairs if sent.get(kind.id_field)]
        current = {doc.get(kind.id_field): doc for doc in self.api.documents_by_ids(kind.collection, ids)}
        found = {}
        for row, sent in pairs:
            doc = current.get(sent.get(kind.id_field))
            if doc and doc.get("Status") in GONE:
                found[row.id] = doc
        return found

    def finish(self, rows):
        log_outcomes(self.env, rows, self.notes)
