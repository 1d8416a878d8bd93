from odoo import api, fields, models


class XeroSyncRun(models.Model):
    """One sync run: who started it, when, and how it went (counts)."""

    _name = "xero.sync.run"
    _description = "Xero Sync Run"
    _inherit = ["xero.company.mixin"]
    _order = "id desc"

    name = fields.Char(compute="_compute_name", store=True)
    kind = fields.Selection(
        [("export", "Send to Xero"), ("inbound", "Import from Xero"), ("master", "Master data"),
         ("contacts", "Contact import"), ("reconciliation", "Reconciliation")], default="export", required=True,
        index=True)
    resumable = fields.Boolean(help="Goes on across several calls (a contact import): never closed as interrupted.")
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
        """Close the run with its counts taken from its log rows (counted in
        SQL: a run of 10,000 documents has 10,000 of them)."""
        counts = {(run.id, log_state): count for run, log_state, count in self.env["xero.sync.log"].sudo()._read_group(
            [("run_id", "in", self.ids)], ["run_id", "state"], ["__count"])}
        for run in self:
            failed = counts.get((run.id, "failed"), 0)
            run.write({
                "date_end": fields.Datetime.now(),
                "count_done": counts.get((run.id, "done"), 0),
                "count_failed": failed,
                "count_skipped": counts.get((run.id, "skipped"), 0),
                "state": state or ("partial" if failed else "done"),
                "message": message or run.message,
            })
