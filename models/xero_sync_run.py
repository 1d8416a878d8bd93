from odoo import api, fields, models


class XeroSyncRun(models.Model):
    """One sync run: who started it, when, and how it went (counts)."""

    _name = "xero.sync.run"
    _description = "Xero Sync Run"
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    connection_id = fields.Many2one("xero.connection", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="connection_id.company_id", store=True, index=True)
    trigger = fields.Selection([("manual", "Manual"), ("auto", "Automatic")], required=True, default="manual")
    operation = fields.Char(help="What the run did: export, contacts import, payments import, ...")
    user_id = fields.Many2one("res.users", "Started by", default=lambda self: self.env.user)
    date_start = fields.Datetime(default=fields.Datetime.now, required=True)
    date_end = fields.Datetime()
    state = fields.Selection(
        [("running", "Running"), ("done", "Done"), ("partial", "Done with errors"),
         ("failed", "Failed"), ("stopped", "Stopped (limit reached)")],
        default="running", required=True,
    )
    message = fields.Text()
    count_done = fields.Integer("Succeeded")
    count_failed = fields.Integer("Failed")
    count_skipped = fields.Integer("Skipped")
    api_calls = fields.Integer("API calls")
    log_ids = fields.One2many("xero.sync.log", "run_id", string="Records")

    @api.depends("date_start", "trigger", "operation")
    def _compute_name(self):
        for run in self:
            run.name = f"{run.operation or 'sync'} {fields.Datetime.to_string(run.date_start) or ''}".strip()

    def _notification(self, summary):
        """Client action telling the user how this run went (``summary`` when
        the run has no message of its own)."""
        self.ensure_one()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Xero"),
                "message": self.message or summary,
                "type": "warning" if self.state in ("partial", "failed", "stopped") else "success",
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def _finish(self, state=None, message=None):
        """Close the run with its counts taken from its log rows."""
        for run in self:
            states = run.log_ids.mapped("state")
            run.write({
                "date_end": fields.Datetime.now(),
                "count_done": states.count("done"),
                "count_failed": states.count("failed"),
                "count_skipped": states.count("skipped"),
                "state": state or ("partial" if "failed" in states else "done"),
                "message": message or run.message,
            })
