from odoo import api, fields, models

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
]


class XeroQueue(models.Model):
    """One pending action towards Xero ("waiting to be sent").

    A row is marked ``sending`` and committed before its call, and carries
    the Idempotency-Key of that call, so a crash between the call and the
    binding can be resumed without creating the record twice in Xero.
    """

    _name = "xero.queue"
    _description = "Xero Waiting Queue"
    _order = "id"
    _check_company_auto = True

    connection_id = fields.Many2one("xero.connection", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="connection_id.company_id", store=True, index=True)
    res_model = fields.Char("Model", required=True, index=True)
    res_id = fields.Many2oneReference("Record ID", model_field="res_model", required=True, index=True)
    move_id = fields.Many2one("account.move", "Document", ondelete="cascade", index="btree_not_null")
    partner_id = fields.Many2one("res.partner", "Contact", ondelete="cascade", index="btree_not_null")
    record_name = fields.Char("Record")
    action = fields.Selection(QUEUE_ACTIONS, required=True, default="upsert")
    state = fields.Selection(QUEUE_STATES, required=True, default="waiting", index=True)
    payload_hash = fields.Char(help="Hash of the payload this row sends (its version).")
    idempotency_key = fields.Char(copy=False, help="Key of the request that carries this row (a batch).")
    payload = fields.Text(copy=False, help="The element as sent, replayed as is after a crash.")
    xero_id = fields.Char("Xero ID", copy=False)
    attempts = fields.Integer(default=0)
    next_attempt = fields.Datetime(help="Transient failures wait until then.")
    message = fields.Text()
    date_sent = fields.Datetime()
    run_id = fields.Many2one("xero.sync.run", "Last run", ondelete="set null")

    @api.depends("record_name", "action")
    def _compute_display_name(self):
        labels = dict(QUEUE_ACTIONS)
        for row in self:
            row.display_name = f"{row.record_name or row.res_model}: {labels.get(row.action)}"

    def action_open_record(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
        }

    def action_retry(self):
        """Put failed or skipped rows back in the queue (a user's explicit retry).

        Reading the rows needs the Xero user group (the queue's read access);
        queue rows are read-only to users, so the write is the code's own."""
        self.filtered(lambda r: r.state in ("failed", "skipped")).sudo().write(
            {"state": "waiting", "next_attempt": False, "message": False})
