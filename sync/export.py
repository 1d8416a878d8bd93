"""Sending what waits in the queue: one bounded slice of a connection's export.

:class:`ExportRun` is the run of a send (a button, the scheduled action, a
queued job); :func:`export_slice` gives each exporter, in registry order,
its due rows in batches of 50 until nothing is due or the slice's budget is
spent. What is left is taken up by a continuation: the scheduled action is
triggered at once and picks the connection, whatever its send mode.
"""

from datetime import timedelta

from markupsafe import Markup, escape

from odoo import fields

from .cron import trigger_sync, update_cron
from .outbox import batch_size
from .registry import exporter_for, rank
from .run import BACKGROUND_SLICE, SyncRun, commit, unit

#: an automatic run cut short by Xero's unavailability is tried again this much later
RETRY_SOON = timedelta(minutes=15)
#: batches a run may prepare for when its budget has no batch limit
UNBOUNDED_BATCHES = 400


def due_domain(connection):
    """Queue rows a run would send now: waiting and due, or in flight."""
    return [("connection_id", "=", connection.id), "|", ("state", "=", "sending"),
            "&", ("state", "=", "waiting"), "|", ("next_attempt", "=", False),
            ("next_attempt", "<=", fields.Datetime.now())]


def pending_pairs(connection):
    """``(res_model, action)`` pairs with rows waiting or in flight, in registry order."""
    groups = connection.env["xero.queue"].sudo()._read_group(
        [("connection_id", "=", connection.id), ("state", "in", ("waiting", "sending"))], ["res_model", "action"])
    return sorted((tuple(g) for g in groups), key=lambda pair: (rank(*pair), pair))


def export_slice(ctx):
    """Send the due rows of ``ctx.connection`` within ``ctx.budget``.

    A pair's rows are given to its exporter at most once per slice, so rows
    an exporter queues for a later one (a document's files) go in the same
    slice; rows of no known exporter are skipped with a message."""
    env, connection, budget = ctx.env, ctx.connection, ctx.budget
    Queue = env["xero.queue"].sudo()
    size = batch_size(env)
    done = set()
    while not budget.exhausted:
        pending = [pair for pair in pending_pairs(connection) if pair not in done]
        if not pending:
            return
        model, action = pending[0]
        done.add((model, action))
        exporter_cls = exporter_for(model, action)
        if not exporter_cls:
            rows = Queue.search([("connection_id", "=", connection.id), ("res_model", "=", model),
                                 ("action", "=", action), ("state", "=", "waiting")])
            rows._xero_skip(ctx.run, "invoice", env._("Nothing in this version sends %(model)s / %(action)s.",
                                                      model=model, action=action))
            continue
        exporter = exporter_cls(ctx)
        left = (budget.batches - budget.used) if budget.batches is not None else UNBOUNDED_BATCHES
        with unit(env):
            exporter.prepare(limit=left * size)
        ctx.run.api_calls = ctx.calls
        commit(env)
        # rows this slice handled and left due (an exporter that leaves a row
        # waiting must not make the slice loop); rows it settled are not due
        # any more, and the list of ids sent with each claim stays short
        handled = set()
        while not budget.exhausted:
            rows = Queue._xero_claim(connection, model, action, size, exclude_ids=handled)
            if not rows:
                break
            budget.spend()
            with unit(env):
                exporter.process(rows)
            ctx.run.api_calls = ctx.calls
            commit(env)
            handled.update(Queue._xero_still_due(rows.ids))
            # what this batch read and wrote is saved: let it go, so a run
            # of 10,000 documents holds one batch in memory
            env.invalidate_all()


class ExportRun(SyncRun):
    """The run of a send: after it, the connection's schedule and alerts."""

    def __init__(self, connection, trigger="manual", client=None, slice=None):
        super().__init__(connection, "export", trigger, operation=connection.env._("Send to Xero"),
                         client=client, slice=slice or BACKGROUND_SLICE)
        self.remaining = 0

    def go(self):
        """Run one slice; return the closed ``xero.sync.run``."""
        with self as ctx:
            export_slice(ctx)
        return self.run

    def after(self):
        """Last/next sync, the continuation and the failure alert.

        An automatic connection runs again after its interval; sooner
        (:data:`RETRY_SOON`) when Xero's unavailability cut the run short;
        at the announced time when the day's budget ran out. A slice that
        left work due hands it over to the scheduled action at once, for any
        send mode."""
        conn, run = self.connection, self.run
        now = fields.Datetime.now()
        self.remaining = conn.env["xero.queue"].sudo().search_count(due_domain(conn))
        vals = {"last_sync": now}
        if run.state == "stopped":
            pass  # the next run is at the time Xero's day limit frees up (see outcome_of)
        elif self.remaining and self.ctx.budget.exhausted:
            vals["next_sync"] = now
            run.message = " ".join(filter(None, [run.message, conn.env._(
                "%(count)s more are on their way: they are sent in the background.", count=self.remaining)]))
        elif conn.send_mode == "auto":
            cut_short = run.state == "partial" and run.message
            vals["next_sync"] = now + (RETRY_SOON if cut_short else timedelta(hours=max(1, conn.sync_interval or 2)))
        else:
            vals["next_sync"] = False
        conn.write(vals)
        if vals.get("next_sync") == now:
            trigger_sync(conn.env)
        else:
            update_cron(conn.env)  # a day limit's resume time, or nothing left to hand over
        if run.count_failed or run.state == "failed":
            alert(conn, run)


def alert(connection, run):
    """Tell people about a run's failures, once per run, per the setting."""
    if connection.alert_mode == "none":
        return
    env = connection.env
    failed = env["xero.sync.log"].sudo().search([("run_id", "=", run.id), ("state", "=", "failed")],
                                                order="id", limit=50)
    lines = Markup("").join(Markup("<li>%s: %s</li>") % (log.record_name or log.xero_object, log.message or "")
                            for log in failed)
    count = run.count_failed or len(failed)
    body = Markup("<p>%s</p><ul>%s</ul>") % (
        env._("Sending to Xero finished with %(count)s failure(s):", count=count), lines)
    if run.state == "failed" and run.message:
        body += Markup("<p>%s</p>") % escape(run.message)
    if connection.alert_mode in ("email", "both") and connection.alert_emails:
        env["mail.mail"].sudo().create({
            "subject": env._("Xero: %(count)s document(s) were not sent", count=count),
            "email_to": connection.alert_emails,
            "body_html": body,
            "email_from": connection.company_id.email_formatted or env.user.email_formatted,
        })
    if connection.alert_mode in ("notify", "both"):
        admins = connection._xero_admins()
        connection.message_post(body=body, partner_ids=admins.partner_id.ids,
                                message_type="notification", subtype_xmlid="mail.mt_comment")
