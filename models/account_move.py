"""Invoices, bills and credit notes: their Xero fields and the Odoo hooks
that queue them.

A document is queued when it is posted, or when something Xero shows changes
on a posted document (lines, amounts, dates, partner, reference, currency),
which :func:`~..services.mappers.invoice.source_snapshot` hashes. Only
customer invoices, vendor bills and both kinds of credit notes dated on or
after the connection's import start date are queued, for a company whose
connection has an organisation and sends that type of document ("Documents
to send": a type turned off queues no new document of it, while those
already in Xero keep getting their updates, voids, payments and files).
A bill made from purchase orders carries their numbers to Xero, and the
files of its orders; posting it queues its orders (a fully billed order is
marked BILLED in Xero).

Resetting a sent document to draft sends nothing: Xero cannot take an
approved document back to draft, so the Xero copy stays as it is and is
*updated* when the document is posted again. Cancelling a sent document —
or deleting the draft it became — queues its removal: *delete* when it is a
draft (or awaiting approval) in Xero, *void* when it is approved. A document
known to be paid in Xero is neither reset nor cancelled (its payments must
be removed in Xero first), and nothing is reset, cancelled or deleted while
its own request to Xero waits for the answer.
"""

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..services.mappers.invoice import kind_of, source_snapshot
from ..services.util import payload_hash
from ..sync import actions
from ..sync.actions import guard_xero_fields

XERO_STATES = [
    ("none", "Not for Xero"),
    ("waiting", "Waiting to be sent"),
    ("sending", "Sending"),
    ("sent", "Sent"),
    ("failed", "Failed"),
    ("skipped", "Skipped"),
]
#: queue actions that carry the document itself (attachments have their own status)
DOCUMENT_ACTIONS = ("upsert", "delete", "void")
OPEN_STATES = ("waiting", "sending", "failed")
#: move fields whose change may change what Xero shows
XERO_RELEVANT_FIELDS = frozenset({
    "ref", "name", "invoice_date", "invoice_date_due", "date", "partner_id", "currency_id",
    "invoice_currency_rate", "invoice_line_ids", "line_ids", "invoice_payment_term_id",
})
#: Xero statuses of a document that is no longer live there
GONE = ("VOIDED", "DELETED")
#: what binds a document to Xero and what Xero said of it: written by the sync only
XERO_OWN_FIELDS = ("xero_id", "xero_hash", "xero_sent_date", "xero_remote_status", "xero_remote_due",
                   "xero_remote_checked")
REMOTE_STATUSES = [("DRAFT", "Draft"), ("SUBMITTED", "Awaiting approval"), ("AUTHORISED", "Awaiting payment"),
                   ("PAID", "Paid"), ("VOIDED", "Voided"), ("DELETED", "Deleted")]


class AccountMove(models.Model):
    _inherit = "account.move"
    _xero_id_field = "xero_id"

    xero_id = fields.Char(
        "Xero ID", copy=False, index="btree_not_null", readonly=True,
        help="InvoiceID (invoices and bills) or CreditNoteID (credit notes) in Xero.")
    xero_queue_ids = fields.One2many("xero.queue", "move_id", "Xero queue", readonly=True)
    xero_queue_count = fields.Integer("Xero actions", compute="_compute_xero_queue_count")
    xero_state = fields.Selection(
        XERO_STATES, "Xero status", default="none", copy=False, readonly=True,
        compute="_compute_xero_state", store=True, index=True,
        help="Where the document stands in the queue towards Xero: the open action when there is one "
        "(waiting, sending, failed), otherwise the last one done.")
    xero_message = fields.Char("Xero message", copy=False, readonly=True, compute="_compute_xero_state", store=True)
    xero_hash = fields.Char("Last sent hash", copy=False, readonly=True)
    xero_sent_date = fields.Datetime("Sent to Xero on", copy=False, readonly=True)
    xero_remote_status = fields.Selection(
        REMOTE_STATUSES, "Status in Xero", copy=False, readonly=True,
        help="The document's status in Xero as Xero last answered (sending, webhook, payment import).")
    xero_remote_due = fields.Monetary(
        "Amount due in Xero", copy=False, readonly=True, currency_field="currency_id",
        help="As Xero last told us (webhook event).")
    xero_remote_checked = fields.Datetime("Checked in Xero on", copy=False, readonly=True)
    xero_delete_warning = fields.Char(compute="_compute_xero_delete_warning")

    @api.depends("xero_queue_ids.state", "xero_queue_ids.message", "xero_queue_ids.action")
    def _compute_xero_state(self):
        """The open document action (upsert, delete, void) decides the status;
        without one, the last action done. Attachments rows do not count: a
        document is "sent" even while its files wait. Saved documents are
        read in one query (a send recomputes 50 documents twice a batch: the
        ORM would load every queue row of each, payloads included)."""
        saved = {move_id for move_id in self.ids if isinstance(move_id, int)}
        decisive = {}
        if saved:
            self.env["xero.queue"].flush_model(["move_id", "action", "state", "message"])
            self.env.cr.execute(
                """SELECT DISTINCT ON (move_id) move_id, state, message FROM xero_queue
                    WHERE move_id = ANY(%s) AND action IN %s
                 ORDER BY move_id, state IN %s DESC, id DESC""",
                (list(saved), DOCUMENT_ACTIONS, OPEN_STATES))
            decisive = {move_id: (state, message) for move_id, state, message in self.env.cr.fetchall()}
        for move in self:
            if move.id in saved:
                row = decisive.get(move.id)
            else:
                rows = move.xero_queue_ids.filtered(lambda r: r.action in DOCUMENT_ACTIONS).sorted("id")
                last = (rows.filtered(lambda r: r.state in OPEN_STATES)[-1:] or rows[-1:])
                row = (last.state, last.message) if last else None
            if not row:
                # bound without a queue row (e.g. linked by an import): keep what it says
                move.xero_state = (move.xero_state or "sent") if move.xero_id else "none"
                move.xero_message = False
                continue
            state, message = row
            if state == "skipped" and move.xero_id:
                state = "sent"  # e.g. "unchanged since it was sent"
            move.xero_state = state
            move.xero_message = message or False

    @api.depends("xero_queue_ids")
    def _compute_xero_queue_count(self):
        for move in self:
            move.xero_queue_count = len(move.xero_queue_ids)

    @api.depends("state", "xero_id", "xero_remote_status")
    def _compute_xero_delete_warning(self):
        for move in self:
            live = move.state == "draft" and move._xero_live_id()
            draft = move.xero_remote_status in ("DRAFT", "SUBMITTED")
            move.xero_delete_warning = live and self.env._(
                "This draft is still in Xero (%(status)s). Deleting it here also %(verb)s it in Xero.",
                status=move.xero_remote_status or "?", verb=self.env._("deletes") if draft else self.env._("voids"))

    # ------------------------------------------------------------ what Xero has
    def _xero_connections(self):
        """``{company: connection}`` for the companies of these moves that have
        a connection with an organisation (connected now or not: rows queued
        while disconnected are sent after reconnecting)."""
        return actions.connections_of(self)

    def _xero_skip_reason(self, connection):
        """Why this document is not sent to Xero, or None when it is."""
        self.ensure_one()
        if not kind_of(self):
            return self.env._("Only customer invoices, vendor bills and credit notes are sent to Xero.")
        if not self._xero_live_id():
            off = actions.type_off_reason(self, connection)
            if off:
                return off
        if self.state != "posted":
            return self.env._("%(doc)s is not posted: only posted documents are sent to Xero.", doc=self.display_name)
        start = connection.import_start_date
        date = self.invoice_date or self.date
        if start and date and date < start:
            return self.env._("%(doc)s is dated %(date)s, before the import start date %(start)s: it is not sent.",
                              doc=self.display_name, date=date, start=start)
        return None

    def _xero_source_hash(self):
        self.ensure_one()
        return payload_hash(source_snapshot(self, self._xero_orders()))

    def _xero_orders(self):
        """Numbers of the purchase orders a vendor bill or credit note was made from."""
        self.ensure_one()
        if kind_of(self) and not kind_of(self).sales:
            return tuple(self.invoice_line_ids.purchase_line_id.order_id.sorted("id").mapped("name"))
        return ()

    def _xero_origins(self):
        """The orders this document was made from, whose files go with it to
        Xero: purchase orders of a bill, sale orders of an invoice (when the
        ``sale`` module is installed; this addon does not depend on it)."""
        self.ensure_one()
        kind = kind_of(self)
        if not kind:
            return []
        if not kind.sales:
            return [self.invoice_line_ids.purchase_line_id.order_id]
        if "sale_line_ids" not in self.env["account.move.line"]._fields:
            return []  # without the sale module, not a line to read
        return [self.invoice_line_ids.sale_line_ids.order_id]

    def _xero_live_id(self):
        """The Xero id to update, None when the document is not (any more) in Xero."""
        self.ensure_one()
        return self.xero_id if self.xero_id and self.xero_remote_status not in GONE else None

    def _xero_is_unchanged(self, source_hash=None):
        """True when the document is live in Xero exactly as it is now."""
        self.ensure_one()
        return bool(self._xero_live_id() and self.xero_hash
                    and (source_hash or self._xero_source_hash()) == self.xero_hash)

    def _xero_url(self):
        """Link from Xero back to this document; also its unambiguous marker
        when a lost request is looked up in Xero."""
        self.ensure_one()
        return f"{self.get_base_url()}/odoo/account.move/{self.id}"

    def _xero_attachments(self):
        """The files of this document and of the orders it was made from (not
        binary fields such as the generated PDF), its own first."""
        self.ensure_one()
        own = self.env["ir.attachment"].sudo().search([
            ("res_model", "=", "account.move"), ("res_id", "=", self.id), ("type", "=", "binary"),
            ("res_field", "=", False)])
        return own | actions.files_of(self.env, self._xero_origins())

    def _xero_with_attachments(self):
        """Those of these documents that have files, their own or their orders'."""
        if not self:
            return self
        groups = self.env["ir.attachment"].sudo()._read_group([
            ("res_model", "=", "account.move"), ("res_id", "in", self.ids), ("type", "=", "binary")], ["res_id"])
        with_files = {res_id for (res_id,) in groups}
        self.fetch(["move_type"])  # after a commit the cache is empty: one narrow read, not every column
        origins = {move.id: move._xero_origins() for move in self if move.id not in with_files}
        having = actions.records_with_files(self.env, [recs for found in origins.values() for recs in found])
        return self.filtered(lambda move: move.id in with_files or any(
            (rec._name, rec.id) in having for recs in origins.get(move.id, []) for rec in recs))

    def _xero_store_remote(self, element):
        """Store Xero's status and amount due of this document; tell the
        followers when Xero voided or deleted it while it is posted in Odoo."""
        self.ensure_one()
        status = (element.get("Status") or "").upper() or False
        due = element.get("AmountDue") if "AmountDue" in element else element.get("RemainingCredit")
        if status in GONE and self.xero_remote_status != status and self.state == "posted":
            self.message_post(body=self.env._(
                "This document was %(status)s in Xero but is still posted in Odoo.",
                status=status.lower()), message_type="comment", subtype_xmlid="mail.mt_note")
        self.sudo().with_context(xero_no_queue=True).write({
            "xero_remote_status": status, "xero_remote_due": due or 0.0,
            "xero_remote_checked": fields.Datetime.now()})

    # ------------------------------------------------------------ queueing
    def _xero_queue_documents(self, force=False):
        """Queue the posted, in-scope documents that differ from what Xero has;
        returns them (see :func:`..sync.actions.queue_documents`)."""
        return actions.queue_documents(self, force=force)

    def _xero_queue_attachments(self, only_when_enabled=True):
        """Queue the files of documents already in Xero; returns the documents
        (see :func:`..sync.actions.queue_attachments`)."""
        return actions.queue_attachments(self, only_when_enabled=only_when_enabled)

    def _xero_after_bind(self):
        """These documents were just given their Xero id (by ``write`` or the
        binder's batch): queue the payments that already settle them. Documents
        nothing settles yet (``not_paid``: most of a send) are not looked at."""
        payments = self.filtered(lambda m: m.payment_state != "not_paid")._get_reconciled_payments()
        if payments:
            payments._xero_queue_payment()

    # ------------------------------------------------------------ hooks
    def _post(self, soft=True):
        posted = super()._post(soft)
        posted.filtered(kind_of)._xero_queue_documents()
        orders = posted.filtered(lambda m: m.move_type in ("in_invoice", "in_refund")).invoice_line_ids \
            .purchase_line_id.order_id
        if orders:
            orders.sudo()._xero_queue_upsert()  # billed in full: BILLED in Xero
        return posted

    def write(self, vals):
        guard_xero_fields(self, vals, XERO_OWN_FIELDS)
        res = super().write(vals)
        if XERO_RELEVANT_FIELDS & vals.keys() and not self.env.context.get("xero_no_queue"):
            self.filtered(lambda m: m.state == "posted" and kind_of(m))._xero_queue_documents()
        if vals.get("xero_id"):
            self._xero_after_bind()
        return res

    def _xero_check_not_paid(self):
        paid = self.filtered(lambda m: m.xero_remote_status == "PAID")
        if paid:
            raise UserError(self.env._(
                "%(docs)s is paid in Xero. Xero cannot change or void a paid document: remove its "
                "payments in Xero first, then try again.", docs=", ".join(paid.mapped("display_name"))))

    def _xero_check_changeable(self):
        """Refuse to reset or delete a document Xero cannot follow: paid
        there, or whose request waits for Xero's answer (the answer must find
        the document as it was sent)."""
        self._xero_check_not_paid()
        self.env["xero.queue"]._xero_check_not_in_flight("account.move", self.ids)

    def button_draft(self):
        """Reset to draft: nothing is sent now (see the module doc); not-yet-sent
        rows are dropped, and the chatter says what happens in Xero next."""
        self._xero_check_changeable()
        live = self.filtered(lambda m: m._xero_live_id())
        actions.close_open_upserts(self, self.env._("Reset to draft in Odoo before it was sent; it is sent when "
                                                    "posted again."))
        res = super().button_draft()
        bodies = {move.id: Markup("<p>%s</p>") % self.env._(
            "Reset to draft in Odoo. The copy in Xero (%(status)s) stays as it is: it is updated when this "
            "document is posted again, or voided/deleted if it is cancelled or deleted.",
            status=move.xero_remote_status or "?") for move in live}
        if bodies:
            live._message_log_batch(bodies=bodies)
        return res

    def button_cancel(self):
        """Cancel: a document live in Xero (or in flight to it) gets its removal
        queued — delete for a Xero draft, void for an approved document; one
        in flight waits for its own request's answer first."""
        self._xero_check_not_paid()
        in_flight = self.env["xero.queue"].sudo().search([
            ("move_id", "in", self.ids), ("action", "=", "upsert"), ("state", "=", "sending")]).move_id
        targets = self.filtered(lambda m: m._xero_live_id()) | (self & in_flight)
        res = super().button_cancel()
        actions.close_open_upserts(self, self.env._("Cancelled in Odoo before it was sent: not sent."))
        actions.queue_removals(targets)
        return res

    def unlink(self):
        """Deleting a draft whose copy is live in Xero removes that copy too:
        its removal row keeps the Xero id and type, the document being gone."""
        self._xero_check_changeable()
        live = self.filtered(lambda m: m._xero_live_id())
        actions.close_open_upserts(self, self.env._("Deleted in Odoo before it was sent: not sent."),
                                   all_actions=True)
        actions.queue_removals(live, keep_reference=True)
        return super().unlink()

    # ------------------------------------------------------------ user actions
    def action_xero_open_queue(self):
        """Smart button: this document's actions towards Xero."""
        self.ensure_one()
        actions.check_user(self.env)
        action = self.env["ir.actions.act_window"]._for_xml_id("account_xero.action_xero_queue")
        action.update({"domain": [("move_id", "=", self.id)], "context": {"create": False}})
        return action

    def action_xero_send(self):
        """Server action "Send to Xero": queue the selected documents and send
        them now (see :func:`..sync.actions.send_selection` for what is skipped)."""
        return actions.send_selection(self, "documents")

    def action_xero_export_attachments(self):
        """Server action "Export attachments to Xero": send the files of the
        selected documents already in Xero (see :func:`..sync.actions.send_selection`)."""
        return actions.send_selection(self, "attachments")
