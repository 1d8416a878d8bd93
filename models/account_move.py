from odoo import api, fields, models

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


class AccountMove(models.Model):
    _inherit = "account.move"
    _xero_id_field = "xero_id"

    xero_id = fields.Char(
        "Xero ID", copy=False, index="btree_not_null", readonly=True,
        help="InvoiceID (invoices and bills) or CreditNoteID (credit notes) in Xero.",
    )
    xero_queue_ids = fields.One2many("xero.queue", "move_id", "Xero queue", readonly=True)
    xero_state = fields.Selection(
        XERO_STATES, "Xero status", default="none", copy=False, readonly=True,
        compute="_compute_xero_state", store=True, index=True,
        help="Where the document stands in the queue towards Xero: the open action when there is one "
        "(waiting, sending, failed), otherwise the last one done.")
    xero_message = fields.Char("Xero message", copy=False, readonly=True, compute="_compute_xero_state",
                               store=True)
    xero_hash = fields.Char("Last sent hash", copy=False, readonly=True)
    xero_sent_date = fields.Datetime("Sent to Xero on", copy=False, readonly=True)

    @api.depends("xero_queue_ids.state", "xero_queue_ids.message", "xero_queue_ids.action")
    def _compute_xero_state(self):
        """The open document action (upsert, delete, void) decides the status;
        without one, the last action done. Attachments rows do not count: a
        document is "sent" even while its files wait."""
        for move in self:
            rows = move.xero_queue_ids.filtered(lambda r: r.action in DOCUMENT_ACTIONS).sorted("id")
            open_rows = rows.filtered(lambda r: r.state in OPEN_STATES)
            row = open_rows[-1:] or rows[-1:]
            if not row:
                # bound without a queue row (e.g. linked by an import): keep what it says
                move.xero_state = (move.xero_state or "sent") if move.xero_id else "none"
                move.xero_message = False
                continue
            state = row.state
            if state == "skipped" and move.xero_id:
                state = "sent"  # e.g. "unchanged since it was sent"
            move.xero_state = state
            move.xero_message = row.message or False
