"""The sync run of a connection: one at a time, in batches, resumable.

A run takes the connection's sync lock, then asks each queue handler, in a
fixed order (contacts before the documents that need them, documents before
their attachments and payments), to send its due rows in batches of 50. Each
handler is a model method ``_xero_process_queue(connection, rows, run,
client)`` on the rows' ``res_model``; it sends through
``xero.queue._xero_send_batch`` (the exactly-once protocol). A model may also
define ``_xero_prepare_run(connection, action, run, client, limit)``, called
once before the first batch of its action (documents create their contacts
there, in full requests, rather than a few with every batch).
"""

import logging
from contextlib import contextmanager
from datetime import timedelta

from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..services.errors import XeroAuthError, XeroDayLimitError, XeroError, XeroRetryableError
from .xero_queue_protocol import xero_commit

_logger = logging.getLogger(__name__)

#: handler order: (res_model, action) → priority
HANDLER_ORDER = {
    ("res.partner", "contact"): 10,
    ("account.move", "upsert"): 20,
    ("account.move", "delete"): 30,
    ("account.move", "void"): 30,
    ("account.move", "attachments"): 40,
    ("account.payment", "payment"): 50,
}
#: namespace of the PostgreSQL advisory lock that serialises runs per connection
SYNC_LOCK_NS = 7_930_001
#: a run stops asking for more rows after this many batches (the rest waits for the next run)
MAX_BATCHES_PER_RUN = 400
#: an automatic run cut short by Xero's unavailability is tried again this much later
RETRY_SOON = timedelta(minutes=15)


class XeroSyncEngine(models.Model):
    _inherit = "xero.connection"

    # ------------------------------------------------------------ locking
    @contextmanager
    def _xero_sync_lock(self):
        """Yield True when this process holds the connection's sync lock.

        A transaction-level advisory lock taken in a cursor of its own and
        held for the whole run: it survives the run's per-batch commits and
        dies with the process if it is killed, so a crash never leaves the
        connection locked."""
        self.ensure_one()
        if self.env.registry.in_test_mode():
            # browser tests: every cursor is a savepoint of the test's one
            # transaction, and closing a cursor of our own would roll the
            # run back; the lock is taken in that transaction instead
            self.env.cr.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", (SYNC_LOCK_NS, self.id))
            yield self.env.cr.fetchone()[0]
            return
        cr = self.env.registry.cursor()
        try:
            cr.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", (SYNC_LOCK_NS, self.id))
            yield cr.fetchone()[0]
        finally:
            cr.rollback()
            cr.close()

    # ------------------------------------------------------------ scheduling
    def write(self, vals):
        res = super().write(vals)
        if {"send_mode", "state", "sync_interval", "sync_start"} & set(vals):
            self._xero_reschedule()
        return res

    def _xero_reschedule(self):
        """Next automatic run of each connection, and the cron on or off.

        The cron is active only while at least one connection is connected
        and automatic; a manual or disconnected connection is never due."""
        for conn in self:
            if conn.send_mode == "auto" and conn.state == "connected":
                start = conn.sync_start or fields.Datetime.now()
                conn.write({"next_sync": max(start, fields.Datetime.now())})
            elif conn.next_sync:
                conn.write({"next_sync": False})
        cron = self.env.ref("account_xero.ir_cron_xero_sync", raise_if_not_found=False)
        if cron:
            wanted = bool(self.sudo().search_count([("send_mode", "=", "auto"), ("state", "=", "connected")]))
            if cron.sudo().active != wanted:
                cron.sudo().active = wanted

    # ------------------------------------------------------------ entry points
    def action_send_now(self):
        """"Send data now": a manual run; refused while another run is going."""
        self.ensure_one()
        run = self._xero_sync(trigger="manual")
        return run._notification(self.env._(
            "%(done)s sent, %(failed)s failed, %(skipped)s skipped.",
            done=run.count_done, failed=run.count_failed, skipped=run.count_skipped))

    @api.model
    def _cron_xero_sync(self):
        """Scheduled action: run every connected, automatic connection that is due."""
        now = fields.Datetime.now()
        due = self.sudo().search([
            ("state", "=", "connected"), ("send_mode", "=", "auto"),
            "|", ("next_sync", "=", False), ("next_sync", "<=", now),
        ])
        for conn in due:
            try:
                conn.with_company(conn.company_id)._xero_sync(trigger="auto")
            except UserError as exc:
                _logger.info("Xero sync of %s skipped: %s", conn.display_name, exc)
            xero_commit(self.env)

    # ------------------------------------------------------------ the run
    def _xero_sync(self, trigger="manual", client=None):
        """Send everything due for this connection; return the ``xero.sync.run``.

        Skips nothing silently: rows a handler cannot send are failed or
        skipped with their reason; transient failures stay queued for the
        next run; a spent daily limit stops the run with the time it resumes.
        ``client`` replaces the connection's own :class:`XeroClient` (tests
        and benchmarks give one with their own governor clock).
        """
        with self._xero_run(trigger, self.env._("Send to Xero")) as run:
            state, message = self._xero_run_handlers(run, client=client)
            run._finish(state=state, message=message)
            self._xero_after_run(run)
            xero_commit(self.env)
        return run

    @contextmanager
    def _xero_run(self, trigger, operation):
        """Hold the connection's sync lock and yield a new, committed ``xero.sync.run``.

        Every run of a connection (sending, importing) goes through here, so
        two of them never overlap; a second one is refused with a UserError
        rather than queued, because its caller is a person or a cron that
        will come back."""
        self.ensure_one()
        self._ensure_connected()
        with self._xero_sync_lock() as locked:
            if not locked:
                raise UserError(self.env._(
                    "A sync with Xero is already running for %(org)s. "
                    "Wait for it to finish, then try again.", org=self.display_name))
            run = self.env["xero.sync.run"].sudo().create({
                "connection_id": self.id, "trigger": trigger, "operation": operation})
            xero_commit(self.env)
            yield run

    def _xero_run_handlers(self, run, client=None):
        """Run the handlers; return ``(state or None, message or None)``.

        Handlers run in :data:`HANDLER_ORDER`; the pending ones are looked up
        again after each handler, so rows a handler queues for a later one
        (a document's attachments after the document) go in the same run.
        A row is given to its handler at most once per run."""
        client = client or self._xero_client()
        calls_before = client.calls
        batches = 0
        done = set()
        try:
            while batches < MAX_BATCHES_PER_RUN:
                pending = [pair for pair in self._xero_pending_handlers() if tuple(pair) not in done]
                if not pending:
                    break
                res_model, action = pending[0]
                done.add((res_model, action))
                handled = set()
                size = self.env["xero.queue"]._xero_batch_size()
                handler = self.env[res_model].sudo().with_company(self.company_id)
                if hasattr(handler, "_xero_prepare_run"):
                    # once per run, before its batches: what they all need (a
                    # document's contacts), sent in full requests
                    handler._xero_prepare_run(self, action, run, client, limit=MAX_BATCHES_PER_RUN * size)
                    run.api_calls = client.calls - calls_before
                    xero_commit(self.env)
                while batches < MAX_BATCHES_PER_RUN:
                    rows = self.env["xero.queue"]._xero_claim(self, res_model, action, size, exclude_ids=handled)
                    if not rows:
                        break
                    batches += 1
                    handled.update(rows.ids)
                    handler._xero_process_queue(self, rows, run, client)
                    run.api_calls = client.calls - calls_before
                    xero_commit(self.env)
                    # what this batch read and wrote is saved: let it go, so
                    # a run of 10,000 documents holds one batch in memory
                    self.env.invalidate_all()
        except XeroDayLimitError as exc:
            resume = fields.Datetime.now() + timedelta(seconds=exc.retry_after)
            self.next_sync = resume
            return "stopped", self.env._(
                "Xero's daily API limit for this organisation is spent. Sending stops here and "
                "resumes automatically after %(when)s UTC; nothing was lost.", when=resume)
        except XeroAuthError as exc:
            self._xero_disconnected(exc.message)
            return "failed", exc.message
        except XeroRetryableError as exc:
            return "partial", self.env._("Xero did not answer (%(error)s). What was not sent is retried "
                                "automatically.", error=exc.message)
        except XeroError as exc:
            return "failed", exc.message
        finally:
            run.api_calls = client.calls - calls_before
            self._xero_note_day_remaining(client)
        if batches >= MAX_BATCHES_PER_RUN:
            return "partial", self.env._("This run reached its size limit; the rest is sent by the next run.")
        return None, None

    def _xero_pending_handlers(self):
        """The ``(res_model, action)`` pairs with rows due, in handler order."""
        groups = self.env["xero.queue"].sudo()._read_group(
            [("connection_id", "=", self.id), ("state", "in", ("waiting", "sending"))],
            ["res_model", "action"])
        return sorted(groups, key=lambda g: (HANDLER_ORDER.get(tuple(g), 99), g))

    def _xero_after_run(self, run):
        """Book-keeping after a run: last/next sync and the error alert.

        An automatic connection runs again after its interval; sooner
        (:data:`RETRY_SOON`) when the run was cut short (Xero unavailable,
        run size limit); at the announced time when the day's budget ran out."""
        now = fields.Datetime.now()
        vals = {"last_sync": now}
        if self.send_mode == "auto" and run.state != "stopped":
            cut_short = run.state == "partial" and run.message
            vals["next_sync"] = now + (RETRY_SOON if cut_short else timedelta(hours=max(1, self.sync_interval or 2)))
        self.write(vals)
        if run.count_failed or run.state == "failed":
            self._xero_alert(run)

    def _xero_alert(self, run):
        """Tell people about a run's failures, once per run, per the setting."""
        if self.alert_mode == "none":
            return
        failed = self.env["xero.sync.log"].sudo().search(
            [("run_id", "=", run.id), ("state", "=", "failed")], order="id", limit=50)
        lines = Markup("").join(
            Markup("<li>%s: %s</li>") % (log.record_name or log.xero_object, log.message or "")
            for log in failed)
        count = run.count_failed or len(failed)
        body = Markup("<p>%s</p><ul>%s</ul>") % (
            self.env._("Sending to Xero finished with %(count)s failure(s):", count=count), lines)
        if run.state == "failed" and run.message:
            body += Markup("<p>%s</p>") % escape(run.message)
        if self.alert_mode in ("email", "both") and self.alert_emails:
            self.env["mail.mail"].sudo().create({
                "subject": self.env._("Xero: %(count)s document(s) were not sent", count=count),
                "email_to": self.alert_emails,
                "body_html": body,
                "email_from": self.company_id.email_formatted or self.env.user.email_formatted,
            })
        if self.alert_mode in ("notify", "both"):
            admins = self.env.ref("account_xero.group_xero_manager").users.filtered(
                lambda u: self.company_id in u.company_ids and not u.share)
            self.message_post(body=body, partner_ids=admins.partner_id.ids,
                              message_type="notification", subtype_xmlid="mail.mt_comment")
