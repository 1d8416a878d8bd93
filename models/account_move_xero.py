"""When invoices, bills and credit notes go into the waiting queue, and the
user's actions on them ("Send to Xero", "Export attachments to Xero").

A document is queued when it is posted, or when something Xero shows changes
on a posted document (lines, amounts, dates, partner, reference, currency),
which :func:`~..services.mappers.invoice.source_snapshot` hashes. Only
customer invoices, vendor bills and both kinds of credit notes dated on or
after the connection's import start date are queued, for a company whose
connection has an organisation.

Resetting a sent document to draft sends nothing: Xero cannot take an
approved document back to draft, so the Xero copy stays as it is and is
*updated* when the document is posted again. Cancelling a sent document
queues its removal: *delete* when it is a draft (or awaiting approval) in
Xero, *void* when it is approved. A document known to be paid in Xero is
neither reset nor cancelled: the payments must be removed in Xero first.
"""

from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..services.mappers.invoice import kind_of, source_snapshot
from ..services.mappers.master import payload_hash

#: move fields whose change may change what Xero shows
XERO_RELEVANT_FIELDS = frozenset({
    "ref", "name", "invoice_date", "invoice_date_due", "date", "partner_id", "currency_id",
    "invoice_currency_rate", "invoice_line_ids", "line_ids", "invoice_payment_term_id",
})
XERO_RELEVANT_LINE_FIELDS = frozenset({
    "name", "analytic_distribution", "account_id", "quantity", "price_unit", "discount", "tax_ids",
})
#: Xero statuses of a document that is no longer live there
GONE = ("VOIDED", "DELETED")


class AccountMove(models.Model):
    _inherit = "account.move"

    xero_queue_count = fields.Integer("Xero actions", compute="_compute_xero_queue_count")

    @api.depends("xero_queue_ids")
    def _compute_xero_queue_count(self):
        for move in self:
            move.xero_queue_count = len(move.xero_queue_ids)

    # ------------------------------------------------------------ scope
    def _xero_connections(self):
        """``{company: connection}`` for the companies of these moves that have
        a connection with an organisation (connected now or not: rows queued
        while disconnected are sent after reconnecting)."""
        companies = self.company_id
        if not companies:
            return {}
        conns = self.env["xero.connection"].sudo().search(
            [("company_id", "in", companies.ids), ("tenant_id", "!=", False)])
        return {conn.company_id: conn for conn in conns}

    def _xero_skip_reason(self, connection):
        """Why this document is not sent to Xero, or None when it is."""
        self.ensure_one()
        if not kind_of(self):
            return self.env._("Only customer invoices, vendor bills and credit notes are sent to Xero.")
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
        return payload_hash(source_snapshot(self))

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

    # ------------------------------------------------------------ queueing
    def _xero_queue_documents(self, force=False):
        """Queue the posted, in-scope documents that differ from what Xero has.

        Skips documents out of scope (see :meth:`_xero_skip_reason`) and
        documents live in Xero and unchanged since. ``force`` puts failed
        rows back in the queue even when the document did not change (a
        user's explicit "Send to Xero"). Returns the documents queued."""
        queued = self.browse()
        Queue = self.env["xero.queue"].sudo()
        connections = self._xero_connections()
        for company, moves in self.grouped("company_id").items():
            connection = connections.get(company)
            if not connection:
                continue
            todo = self.browse()
            hashes = {}
            for move in moves:
                if move._xero_skip_reason(connection):
                    continue
                source_hash = move._xero_source_hash()
                if move._xero_is_unchanged(source_hash):
                    continue
                todo |= move
                hashes[move.id] = source_hash
            if not todo:
                continue
            # posted again before a queued void/delete was sent: keep the document instead
            stale = Queue.search([("move_id", "in", todo.ids), ("action", "in", ("void", "delete")),
                                  ("state", "in", ("waiting", "failed"))])
            for row in stale:
                row._xero_skip(None, kind_of(row.move_id).xero_object, self.env._(
                    "Posted again in Odoo before it was removed from Xero: updated there instead."))
            Queue._xero_enqueue_batch(connection, todo, "upsert", hashes, force=force)
            queued |= todo
        return queued

    def _xero_queue_attachments(self, only_when_enabled=True):
        """Queue the export of the attachments of documents already in Xero.

        Documents not in Xero yet are skipped: their files follow them when
        they are sent. With ``only_when_enabled`` (automatic export on a new
        attachment) connections without attachment export are skipped."""
        Queue = self.env["xero.queue"].sudo()
        connections = self._xero_connections()
        queued = self.browse()
        for company, moves in self.grouped("company_id").items():
            connection = connections.get(company)
            if not connection or (only_when_enabled and not connection.export_attachments):
                continue
            todo = moves.filtered(lambda m, c=connection: m._xero_live_id() and not m._xero_skip_reason(c))
            if todo:
                Queue._xero_enqueue_batch(connection, todo, "attachments", force=True)
                queued |= todo
        return queued

    def _xero_close_open_upserts(self, message):
        """Skip the not-yet-sent upsert rows of these documents (never one in flight)."""
        rows = self.env["xero.queue"].sudo().search([
            ("move_id", "in", self.ids), ("action", "=", "upsert"), ("state", "in", ("waiting", "failed"))])
        for row in rows:
            row._xero_skip(None, kind_of(row.move_id).xero_object, message)

    # ------------------------------------------------------------ hooks
    def _post(self, soft=True):
        posted = super()._post(soft)
        posted.filtered(kind_of)._xero_queue_documents()
        return posted

    def write(self, vals):
        res = super().write(vals)
        if XERO_RELEVANT_FIELDS & vals.keys() and not self.env.context.get("xero_no_queue"):
            self.filtered(lambda m: m.state == "posted" and kind_of(m))._xero_queue_documents()
        return res

    def _xero_check_not_paid(self):
        paid = self.filtered(lambda m: m.xero_remote_status == "PAID")
        if paid:
            raise UserError(self.env._(
                "%(docs)s is paid in Xero. Xero cannot change or void a paid document: remove its "
                "payments in Xero first, then try again.", docs=", ".join(paid.mapped("display_name"))))

    def button_draft(self):
        """Reset to draft: nothing is sent now (see the module doc); not-yet-sent
        rows are dropped, and the chatter says what happens in Xero next."""
        self._xero_check_not_paid()
        live = self.filtered(lambda m: m._xero_live_id())
        self._xero_close_open_upserts(
            self.env._("Reset to draft in Odoo before it was sent; it is sent when posted again."))
        res = super().button_draft()
        bodies = {}
        for move in live:
            bodies[move.id] = Markup("<p>%s</p>") % self.env._(
                "Reset to draft in Odoo. The copy in Xero (%(status)s) stays as it is: it is updated when "
                "this document is posted again, or voided/deleted if it is cancelled.",
                status=move.xero_remote_status or "?")
        if bodies:
            live._message_log_batch(bodies=bodies)
        return res

    def button_cancel(self):
        """Cancel: a document live in Xero (or in flight to it) gets its removal
        queued — delete for a Xero draft, void for an approved document."""
        self._xero_check_not_paid()
        in_flight = self.env["xero.queue"].sudo().search([
            ("move_id", "in", self.ids), ("action", "=", "upsert"), ("state", "=", "sending")]).move_id
        targets = self.filtered(lambda m: m._xero_live_id()) | (self & in_flight)
        res = super().button_cancel()
        self._xero_close_open_upserts(self.env._("Cancelled in Odoo before it was sent: not sent."))
        Queue = self.env["xero.queue"].sudo()
        connections = targets._xero_connections()
        for company, moves in targets.grouped("company_id").items():
            connection = connections.get(company)
            if not connection:
                continue
            drafts = moves.filtered(lambda m: m.xero_remote_status in ("DRAFT", "SUBMITTED"))
            Queue._xero_enqueue_batch(connection, drafts, "delete", force=True)
            Queue._xero_enqueue_batch(connection, moves - drafts, "void", force=True)
        return res

    # ------------------------------------------------------------ user actions
    def action_xero_open_queue(self):
        """Smart button: this document's actions towards Xero."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account_xero.action_xero_queue")
        action.update({"domain": [("move_id", "=", self.id)], "context": {"create": False}})
        return action

    def action_xero_send(self):
        """Server action "Send to Xero": queue the selected documents and send now.

        Skips (and says so) documents not posted, dated before the import
        start date, not invoices/bills/credit notes, of a company without a
        Xero connection, and documents already in Xero and unchanged. A
        document Xero refused before is sent again (an explicit retry)."""
        return self._xero_send_selection(
            lambda moves: moves._xero_queue_documents(force=True),
            self.env._("already in Xero and unchanged"))

    def action_xero_export_attachments(self):
        """Server action "Export attachments to Xero": send the files of the
        selected documents that are already in Xero (even with automatic
        attachment export off). Skips documents not posted, before the start
        date or not yet in Xero (with attachment export on, their files follow
        them when they are sent), and files already sent; deleting a file in
        Odoo does not delete it in Xero."""
        return self._xero_send_selection(
            lambda moves: moves._xero_queue_attachments(only_when_enabled=False),
            self.env._("not in Xero yet: send the document first"))

    def _xero_send_selection(self, queue, not_queued_reason):
        skipped = defaultdict(list)
        connections = self._xero_connections()
        to_run = []
        for company, moves in self.grouped("company_id").items():
            connection = connections.get(company)
            if not connection:
                skipped[self.env._("company not connected to Xero")] += moves.mapped("display_name")
                continue
            candidates = self.browse()
            for move in moves:
                reason = move._xero_skip_reason(connection)
                if reason:
                    skipped[reason].append(move.display_name)
                else:
                    candidates |= move
            queued = queue(candidates)
            for move in candidates - queued:
                skipped[not_queued_reason].append(move.display_name)
            if queued:
                to_run.append(connection)
        runs = self.env["xero.sync.run"]
        for connection in to_run:
            runs |= connection.with_company(connection.company_id)._xero_sync(trigger="manual")
        return self._xero_selection_notification(runs, skipped)

    def _xero_selection_notification(self, runs, skipped):
        lines = []
        if runs:
            lines.append(self.env._("%(done)s sent, %(failed)s failed, %(skipped)s skipped.",
                           done=sum(runs.mapped("count_done")), failed=sum(runs.mapped("count_failed")),
                           skipped=sum(runs.mapped("count_skipped"))))
            lines += [run.message for run in runs if run.message]
        for reason, names in skipped.items():
            shown = ", ".join(names[:10]) + (" …" if len(names) > 10 else "")
            lines.append(self.env._("Not sent (%(reason)s): %(docs)s", reason=reason, docs=shown))
        if not lines:
            lines.append(self.env._("Nothing to send."))
        bad = any(run.state in ("partial", "failed", "stopped") for run in runs)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Send to Xero"),
                "message": "\n".join(lines),
                "type": "warning" if bad or (skipped and not runs) else "success",
                "sticky": bad,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    def write(self, vals):
        res = super().write(vals)
        if XERO_RELEVANT_LINE_FIELDS & vals.keys() and not self.env.context.get("xero_no_queue"):
            self.move_id.filtered(lambda m: m.state == "posted" and kind_of(m))._xero_queue_documents()
        return res
