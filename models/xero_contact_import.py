"""The contact import: a background job reading Xero's contacts page by page.

A job reads every contact (archived ones too, so a removal never shifts a
page) in pages of up to 1,000 ordered by ContactID, then a short "changes"
pass asks for what changed in Xero since the job started (Xero's own clock),
which catches contacts created or renamed while it ran. Each page is imported
and the job's next page saved in one transaction, committed per page: a job
interrupted anywhere resumes at the first page not saved, and a page
imported twice changes nothing. Later imports only read the changes since
the last complete one, unless a full import is asked for.
"""

import logging
import time
from datetime import UTC, timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..services.errors import XeroAuthError, XeroDayLimitError, XeroError, XeroRetryableError
from ..services.mappers.payment import parse_xero_datetime
from .xero_queue_protocol import xero_commit

_logger = logging.getLogger(__name__)

PAGE_SIZE = 1000
#: seconds of work per cron call before it hands over (it is called again at once)
CRON_BUDGET = 60
RETRY_MINUTES = 5
class XeroImportJob(models.Model):
    """One contact import of a connection, with its progress."""

    _name = "xero.import.job"
    _description = "Xero Contact Import"
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name")
    connection_id = fields.Many2one("xero.connection", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="connection_id.company_id", store=True, index=True)
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
            job.name = _("Contact import %s", fields.Datetime.to_string(job.date_start) or "")

    @api.depends("state", "count_read", "total_count")
    def _compute_progress(self):
        for job in self:
            if job.state == "done":
                job.progress = 100.0
            else:
                job.progress = min(99.0, 100.0 * job.count_read / job.total_count) if job.total_count else 0.0

    # ------------------------------------------------------------ user actions
    def action_resume(self):
        """Continue a stopped import where it stopped (in the background)."""
        self.filtered(lambda j: j.state == "failed").write({"state": "running", "next_attempt": False,
                                                            "message": False})
        self._xero_trigger()
        return True

    def action_cancel(self):
        self.filtered(lambda j: j.state == "running").write({"state": "cancelled", "date_end": fields.Datetime.now()})
        for job in self.filtered("run_id"):
            job.run_id._finish(message=_("Cancelled by %s.", self.env.user.name))
        return True

    def action_view_matches(self):
        action = self.env["ir.actions.act_window"]._for_xml_id("account_xero.action_xero_contact_match")
        action["domain"] = [("connection_id", "in", self.connection_id.ids)]
        action["context"] = {"search_default_pending": 1}
        return action

    def _xero_trigger(self, at=None):
        cron = self.env.ref("account_xero.ir_cron_xero_import_contacts", raise_if_not_found=False)
        if cron:
            cron.sudo()._trigger(at)

    # ------------------------------------------------------------ processing
    @api.model
    def _cron_xero_import_contacts(self):
        """Scheduled action: advance running imports for about a minute, then
        report progress so Odoo calls it again at once while pages remain."""
        deadline = time.monotonic() + CRON_BUDGET
        now = fields.Datetime.now()
        jobs = self.sudo().search([("state", "=", "running"), "|", ("next_attempt", "=", False),
                                   ("next_attempt", "<=", now)])
        done = 0
        for job in jobs:
            done += job._xero_run(deadline=deadline)
            if time.monotonic() > deadline:
                break
        remaining = sum(max(1, (j.total_count - j.count_read) // max(j.page_size, 1))
                        for j in jobs.filtered(lambda j: j.state == "running" and not j.next_attempt))
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining if done else 0)

    def _xero_run(self, deadline=None, max_pages=None):
        """Import pages of this job until it ends, ``deadline`` (monotonic)
        passes or ``max_pages`` are done; return the number of pages done.

        Skips the job when another worker holds it. Transient Xero failures
        and a spent day limit leave it running with a time to retry; a lost
        grant or a refused request stops it with the message."""
        self.ensure_one()
        job = self.sudo()
        pages = 0
        while job.state == "running" and (max_pages is None or pages < max_pages):
            if deadline and time.monotonic() > deadline:
                break
            self.env.cr.execute("SELECT id FROM xero_import_job WHERE id = %s FOR UPDATE SKIP LOCKED", (job.id,))
            if not self.env.cr.fetchone():
                break
            job.invalidate_recordset()
            if job.state != "running":
                break
            try:
                client = job.connection_id._xero_client()
                job._xero_import_next_page(client)
            except XeroDayLimitError as exc:
                job._xero_pause(exc.retry_after, _(
                    "Xero's daily API limit is spent: the import resumes by itself after %(when)s UTC.",
                    when=fields.Datetime.now() + timedelta(seconds=exc.retry_after)))
            except XeroRetryableError as exc:
                job._xero_pause(RETRY_MINUTES * 60, _("Xero did not answer (%(error)s): retried in %(min)s "
                                                      "minutes.", error=exc.message, min=RETRY_MINUTES))
            except (XeroAuthError, XeroError, UserError) as exc:
                job._xero_stop(getattr(exc, "message", None) or str(exc))
            except Exception as exc:
                _logger.exception("Xero contact import %s stopped", job.id)
                job._xero_stop(_("The import stopped on an unexpected error: %s", exc))
            else:
                pages += 1
                xero_commit(self.env)
                continue
            xero_commit(self.env)
            break  # paused or stopped: the cron (or a user) takes it up again
        return pages

    def _xero_pause(self, seconds, message):
        at = fields.Datetime.now() + timedelta(seconds=seconds)
        self.write({"next_attempt": at, "message": message})
        self._xero_trigger(at)

    def _xero_stop(self, message):
        self.write({"state": "failed", "message": message})
        if self.run_id:
            self.run_id._finish(state="failed", message=message)

    def _xero_import_next_page(self, client):
        """Read and import the next page; the page is all or nothing."""
        self.ensure_one()
        kwargs = {"page": self.next_page, "page_size": self.page_size, "order": "ContactID",
                  "include_archived": True}
        if self.phase == "changes" and self.modified_since:
            kwargs["if_modified_since"] = self.modified_since.replace(tzinfo=UTC)
        calls = client.calls
        response = client.accounting("get_contacts", **kwargs)
        contacts = response.data.get("Contacts") or []
        pagination = response.data.get("pagination") or {}
        with self.env.cr.savepoint():
            counts = self.env["xero.contact.match"]._xero_import_page(self.connection_id, contacts, job=self)
        vals = {f"count_{key}": self[f"count_{key}"] + value for key, value in counts.items()}
        vals.update(count_read=self.count_read + len(contacts), api_calls=self.api_calls + client.calls - calls,
                    next_attempt=False, message=False)
        if not self.xero_start:
            vals["xero_start"] = parse_xero_datetime(response.data.get("DateTimeUTC")) or fields.Datetime.now()
        if self.next_page == 1 and pagination.get("itemCount") is not None and not self.total_count:
            vals["total_count"] = pagination["itemCount"]
        page_count = pagination.get("pageCount")
        last = self.next_page >= page_count if page_count is not None else len(contacts) < self.page_size
        if not last:
            vals["next_page"] = self.next_page + 1
        elif self.phase == "full":
            # catch what changed in Xero while the pages were read (1 s: If-Modified-Since has whole seconds)
            start = vals.get("xero_start") or self.xero_start
            vals.update(phase="changes", next_page=1, modified_since=start - timedelta(seconds=1))
        else:
            vals.update(state="done", date_end=fields.Datetime.now())
        self.write(vals)
        if self.run_id:
            self.run_id.sudo().api_calls = self.api_calls
            if self.state == "done":
                self.run_id._finish(message=self._xero_summary())

    def _xero_summary(self):
        return _("%(read)s read: %(created)s created, %(updated)s updated, %(unchanged)s unchanged, "
                 "%(proposed)s to confirm, %(skipped)s skipped, %(failed)s failed; %(calls)s API calls.",
                 read=self.count_read, created=self.count_created, updated=self.count_updated,
                 unchanged=self.count_unchanged, proposed=self.count_proposed, skipped=self.count_skipped,
                 failed=self.count_failed, calls=self.api_calls)


class XeroConnectionContacts(models.Model):
    _inherit = "xero.connection"

    import_job_ids = fields.One2many("xero.import.job", "connection_id", "Contact imports")
    import_job_id = fields.Many2one("xero.import.job", "Last contact import", compute="_compute_import_job")
    import_progress = fields.Float("Contact import progress", compute="_compute_import_job")
    contact_match_count = fields.Integer("Contacts to confirm", compute="_compute_contact_match_count")

    def _compute_import_job(self):
        for conn in self:
            job = self.env["xero.import.job"].sudo().search([("connection_id", "=", conn.id)], limit=1)
            conn.import_job_id = job
            conn.import_progress = job.progress

    def _compute_contact_match_count(self):
        groups = dict(self.env["xero.contact.match"].sudo()._read_group(
            [("connection_id", "in", self.ids), ("state", "=", "pending")], ["connection_id"], ["__count"]))
        for conn in self:
            conn.contact_match_count = groups.get(conn, 0)

    def _xero_import_contacts_start(self, full=None):
        """Start (or resume) the contact import in the background; return the job.

        A running import is resumed, never doubled. After a complete import,
        only the changes since it are read unless ``full`` is True; the first
        import is always full."""
        self.ensure_one()
        self._ensure_connected()
        Job = self.env["xero.import.job"].sudo()
        job = Job.search([("connection_id", "=", self.id), ("state", "in", ("running", "failed"))], limit=1)
        if job:
            job.action_resume()
            return job
        last = Job.search([("connection_id", "=", self.id), ("state", "=", "done")], limit=1)
        vals = {"connection_id": self.id}
        if last and not full and last.xero_start:
            vals.update(phase="changes", modified_since=last.xero_start - timedelta(seconds=1))
        run = self.env["xero.sync.run"].sudo().create({
            "connection_id": self.id, "operation": _("Import contacts")})
        job = Job.create(dict(vals, run_id=run.id))
        job._xero_trigger()
        return job

    def action_xero_import_contacts(self):
        self._xero_import_contacts_start(full=bool(self.env.context.get("xero_full_import")))
        return self.action_xero_view_imports()

    def action_xero_view_imports(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account_xero.action_xero_import_job")
        action["domain"] = [("connection_id", "=", self.id)]
        return action

    def action_xero_view_matches(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account_xero.action_xero_contact_match")
        action["domain"] = [("connection_id", "=", self.id)]
        action["context"] = {"search_default_pending": 1}
        return action
