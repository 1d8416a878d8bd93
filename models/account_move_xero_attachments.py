"""Attachments of invoices, bills and credit notes towards Xero.

Xero takes files one by one (``PUT …/Attachments/{FileName}``), at most 10
per document, 10 MB each, of its own file types
(:mod:`..services.mappers.attachment` decides). A file is bound to the Xero
attachment it became; deleting a file in Odoo does not delete it in Xero.
"""

import re

from odoo import api, fields, models

from ..services.errors import XeroAuthError, XeroError, XeroRetryableError
from ..services.mappers import attachment as attachment_mapper
from ..services.mappers.invoice import kind_of
from .account_move_xero_send import WAIT_FOR_DOCUMENT
from .xero_queue_protocol import xero_commit


class AccountMoveXeroAttachments(models.Model):
    _inherit = "account.move"

    def _xero_attachments(self):
        """The files of this document (not binary fields such as the generated PDF)."""
        self.ensure_one()
        return self.env["ir.attachment"].sudo().search([
            ("res_model", "=", "account.move"), ("res_id", "=", self.id), ("type", "=", "binary")])

    def _xero_with_attachments(self):
        """Those of these documents that have files (one query for all)."""
        if not self:
            return self
        groups = self.env["ir.attachment"].sudo()._read_group([
            ("res_model", "=", "account.move"), ("res_id", "in", self.ids), ("type", "=", "binary")], ["res_id"])
        with_files = {res_id for (res_id,) in groups}
        return self.filtered(lambda move: move.id in with_files)

    @api.model
    def _xero_send_attachments(self, connection, rows, run, client):
        """Send the files of documents in Xero, one call per file.

        Skips (each with its reason in the log) files of a type Xero refuses,
        above 10 MB, empty, or beyond Xero's 10 per document; files already
        sent are not sent again. A file is bound as soon as Xero took it, so a
        run stopped half-way resumes with the next file; a resend replaces
        (same file name) rather than duplicates."""
        notes = {}
        Binder = self.env["xero.binder"]
        dbuuid = self.env["ir.config_parameter"].sudo().get_param("database.uuid", "")
        try:
            for row in rows:
                move = row.move_id
                kind = kind_of(move)
                xero_id = move._xero_live_id()
                if not xero_id:
                    pending = move.xero_queue_ids.filtered(
                        lambda r: r.action == "upsert" and r.state in ("waiting", "sending", "failed"))
                    if pending:
                        row.write({"next_attempt": fields.Datetime.now() + WAIT_FOR_DOCUMENT,
                                   "message": self.env._("Waits until the document itself is in Xero.")})
                    else:
                        row._xero_skip(run, "attachment",
                                       self.env._("The document is not in Xero: its files are not sent."))
                    continue
                row.write({"state": "sending", "run_id": run.id, "attempts": row.attempts + 1})
                xero_commit(self.env)
                files = move._xero_attachments()
                sent_ids = {att.id for att in files if Binder.to_xero(att, connection.company_id)}
                to_send, skipped = attachment_mapper.plan(files, sent_ids, self.env)
                for _att, reason in skipped:
                    self.env["xero.sync.log"]._log(connection, "attachment", "export", "skipped", record=move,
                                                   message=reason, run=run)
                failed = []
                for att, file_name in to_send:
                    key = "odoo-att-" + re.sub(r"[^0-9a-f]", "", f"{dbuuid}{att.id:x}{att.checksum or ''}")[:100]
                    method = "create_invoice_attachment_by_file_name" if kind.collection == "Invoices" \
                        else "create_credit_note_attachment_by_file_name"
                    try:
                        resp = client.accounting(method, xero_id, file_name, att.raw, idempotency_key=key)
                    except (XeroAuthError, XeroRetryableError):
                        raise  # the row stays 'sending': the next run resumes with this file
                    except XeroError as exc:
                        failed.append(self.env._("%(file)s: %(error)s", file=att.name, error=exc.message))
                        self.env["xero.sync.log"]._log(connection, "attachment", "export", "failed", record=move,
                                                       message=exc.message, run=run, response=exc.body)
                        continue
                    answer = (resp.data.get("Attachments") or [{}])[0]
                    Binder.bind(att, answer.get("AttachmentID") or file_name, connection.company_id)
                    self.env["xero.sync.log"]._log(connection, "attachment", "export", "done", record=move,
                                                   message=file_name, run=run, xero_id=answer.get("AttachmentID"))
                    xero_commit(self.env)
                summary = self.env._("%(sent)s file(s) sent, %(skipped)s skipped.", sent=len(to_send) - len(failed),
                            skipped=len(skipped))
                if skipped:
                    summary += " " + " ".join(reason for _att, reason in skipped)
                if failed:
                    row._xero_fail(run, "attachment", summary + " " + " ".join(failed))
                else:
                    row._xero_succeed(run, "attachment", xero_id=xero_id, message=summary)
                notes[move.id] = summary
                xero_commit(self.env)
        finally:
            self._xero_log_outcomes(rows, notes, attachments=True)
