"""A contact import of one connection and its progress: data and the user's
buttons. The import itself (pages, matching, partners) is
``sync/importers/contacts.py``; users read jobs, administrators resume or
cancel them (written through ``sudo()`` after the check)."""

from odoo import api, fields, models

from ..sync import scheduler
from ..sync.actions import check_manager, check_user
from ..sync.importers import contacts
from ..sync.importers.contacts import PAGE_SIZE


class XeroImportJob(models.Model):
    """One contact import of a connection, with its progress."""

    _name = "xero.import.job"
    _description = "Xero Contact Import"
    _inherit = ["xero.company.mixin"]
    _order = "id desc"

    name = fields.Char(compute="_compute_name")
    user_id = fields.Many2one("res.users", "Started by", default=lambda self: self.env.user, readonly=True)
    state = fields.Selection(
        [("running", "Running"), ("done", "Done"), ("failed", "Stopped"), ("cancelled", "Cancelled")],
        default="running", required=True, index=True, readonly=True)
    phase = fields.Selection([("full", "All contacts"), ("changes", "Changes in Xero")],
                             default="full", required=True, readonly=True)
    next_page = fields.Integer(default=1, readonly=True)
    page_size = fields.Integer(default=PAGE_SIZE, readonly=True)
    modified_since = fields.Datetime(readonly=True, help="The changes pass reads contacts changed after this.")
    xero_start = fields.Datetime("Started (Xero time)", readonly=True)
    next_attempt = fields.Datetime(readonly=True)
    total_count = fields.Integer("Contacts in Xero", readonly=True)
    count_read = fields.Integer("Read", readonly=True)
    count_created = fields.Integer("Created", readonly=True)
    count_updated = fields.Integer("Updated", readonly=True)
    count_unchanged = fields.Integer("Unchanged", readonly=True)
    count_proposed = fields.Integer("To confirm", readonly=True)
    count_skipped = fields.Integer("Skipped", readonly=True)
    count_failed = fields.Integer("Failed", readonly=True)
    api_calls = fields.Integer("API calls", readonly=True)
    progress = fields.Float(compute="_compute_progress")
    date_start = fields.Datetime(default=fields.Datetime.now, readonly=True)
    date_end = fields.Datetime(readonly=True)
    message = fields.Text(readonly=True)
    run_id = fields.Many2one("xero.sync.run", "Sync run", readonly=True, ondelete="set null")

    @api.depends("date_start", "phase")
    def _compute_name(self):
        for job in self:
            job.name = self.env._("Contact import %s", fields.Datetime.to_string(job.date_start) or "")

    @api.depends("state", "count_read", "total_count")
    def _compute_progress(self):
        for job in self:
            if job.state == "done":
                job.progress = 100.0
            else:
                job.progress = min(99.0, 100.0 * job.count_read / job.total_count) if job.total_count else 0.0

    # ------------------------------------------------------------ user actions
    def action_resume(self):
        """Continue a stopped import where it stopped, in the background (administrators)."""
        check_manager(self.env)
        contacts.resume_jobs(self.sudo())
        return True

    def action_cancel(self):
        """Cancel running imports (administrators); their runs are closed.
        Jobs that are not running are left as they are."""
        check_manager(self.env)
        running = self.sudo().filtered(lambda j: j.state == "running")
        running.write({"state": "cancelled", "date_end": fields.Datetime.now()})
        for job in running.filtered("run_id"):
            job.run_id._finish(message=self.env._("Cancelled by %s.", self.env.user.name))
        return True

    def action_view_matches(self):
        """The contacts to confirm of these imports' connections (Xero users
        read them, as the connection's own button; administrators decide)."""
        check_user(self.env)
        action = self.env["ir.actions.act_window"]._for_xml_id("account_xero.action_xero_contact_match")
        action["domain"] = [("connection_id", "in", self.connection_id.ids)]
        action["context"] = {"search_default_pending": 1}
        return action

    # ------------------------------------------------------------ scheduled action
    @api.model
    def _cron_xero_import_contacts(self):
        scheduler.cron_import_contacts(self.env)
