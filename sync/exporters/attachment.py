"""Files of invoices, bills, credit notes and purchase orders → Xero (queue
action ``attachments``).

A document's files are its own and those of the orders it was made from (a
bill carries its purchase orders' files; an invoice its sale orders', when
``sale`` is installed). Xero takes files one by one (``PUT
…/Attachments/{FileName}``), at most 10 per document, 10 MB each, of its own
file types (:mod:`...services.mappers.attachment` decides). Each file is one
request of the outbox (the file's bytes are its body, its key is its own),
bound *per file and document* (``xero.attachment.binding``) as soon as Xero
took it: the same file goes to several Xero documents, a run stopped
half-way resumes with the next file, and the file in flight is sent again
byte for byte under the same key. A request whose key Xero forgot is looked
up among the document's files in Xero by name. Deleting a file in Odoo does
not delete it in Xero.
"""

from datetime import timedelta

from odoo import fields

from ...services.errors import XeroAuthError, XeroDayLimitError, XeroError, XeroPermissionError, XeroRetryableError
from ...services.mappers import attachment as attachment_mapper
from ...services.mappers.invoice import kind_of
from ..exporter import Exporter
from ..outbox import permission_message
from ..run import commit
from .document_notes import log_outcomes

#: files waiting for their document's own request look again after this
WAIT_FOR_DOCUMENT = timedelta(minutes=10)


class AttachmentExporter(Exporter):
    name = "attachment"
    model = "account.move"
    actions = ("attachments",)
    xero_object = "attachment"

    def __init__(self, ctx):
        super().__init__(ctx)
        self.notes = {}

    def target(self, row):
        """The document whose files the row sends."""
        return row.move_id

    def collection(self, target):
        return kind_of(target).collection

    def operation(self, target):
        return kind_of(target).operation("attach")

    def send(self, rows):
        for row in rows:
            self.send_files(row)

    def send_files(self, row):
        """Send the files of one document not yet in Xero (see the module doc)."""
        env, run = self.env, self.run
        Log = env["xero.sync.log"]
        Binding = env["xero.attachment.binding"]
        move = self.target(row)
        xero_id = move._xero_live_id() if move else None
        if not xero_id:
            pending = move.xero_queue_ids.filtered(
                lambda r: r.action == "upsert" and r.state in ("waiting", "sending", "failed"))
            if pending:
                row.write({"next_attempt": fields.Datetime.now() + WAIT_FOR_DOCUMENT,
                           "message": env._("Waits until the document itself is in Xero.")})
            else:
                row._xero_skip(run, "attachment", env._("The document is not in Xero: its files are not sent."))
            return
        files = move._xero_attachments()
        sent_ids = Binding._xero_sent(self.connection, move, files)
        to_send, skipped = attachment_mapper.plan(files, sent_ids, env)
        for _att, reason in skipped:
            Log._log(self.connection, "attachment", "export", "skipped", record=move, message=reason, run=run)
        operation = self.operation(move)
        failed = []
        for att, file_name in to_send:
            try:
                answer = self.outbox.call(self, row, operation, {"xero_id": xero_id, "file_name": file_name},
                                          tag=f"att:{att.id}", attachment=att)
            except XeroPermissionError as exc:
                failed.append(env._("%(file)s: %(error)s", file=att.name, error=permission_message(env, exc)))
                continue
            except (XeroDayLimitError, XeroAuthError, XeroRetryableError):
                raise  # the row stays in flight: the next run resumes with this file
            except XeroError as exc:
                failed.append(env._("%(file)s: %(error)s", file=att.name, error=exc.message))
                Log._log(self.connection, "attachment", "export", "failed", record=move, message=exc.message,
                         run=run, response=exc.body)
                continue
            element = (answer or [{}])[0]
            Binding._xero_bind(self.connection, move, att, element.get("AttachmentID") or file_name)
            Log._log(self.connection, "attachment", "export", "done", record=move, message=file_name, run=run,
                     xero_id=element.get("AttachmentID"))
            commit(env)
        summary = env._("%(sent)s file(s) sent, %(skipped)s skipped.", sent=len(to_send) - len(failed),
                        skipped=len(skipped))
        if skipped:
            summary += " " + " ".join(reason for _att, reason in skipped)
        if failed:
            row._xero_fail(run, "attachment", summary + " " + " ".join(failed))
        else:
            row._xero_succeed(run, "attachment", xero_id=xero_id, message=summary)
        self.notes[move.id] = summary

    def lookup_one(self, request, row):
        """A file whose key Xero forgot: found when the document has a file of that name."""
        name = (request.params or {}).get("file_name")
        for element in self.api.attachments_of(self.collection(self.target(row)), request.params["xero_id"]):
            if element.get("FileName") == name:
                return element
        return None

    def finish(self, rows):
        log_outcomes(self.env, rows, self.notes, attachments=True)


class PurchaseOrderAttachmentExporter(AttachmentExporter):
    """The files of purchase orders, to their Xero copy."""

    name = "purchase_order_attachment"
    model = "purchase.order"

    def target(self, row):
        return row.purchase_id

    def collection(self, target):
        return "PurchaseOrders"

    def operation(self, target):
        return "purchase_orders.attach"
