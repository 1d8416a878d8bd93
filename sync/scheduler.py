"""Where every sync starts: the buttons' and the scheduled actions' one
entry point.

* a button (``models/xero_connection.py``) runs one bounded slice inside the
  web request and hands the rest to the scheduled action;
* a scheduled action (``data/ir_cron.xml``) walks the due connections, each
  one isolated: whatever one of them raises is rolled back and logged, and
  the next one runs; when a slice leaves work due, the scheduled action
  asks Odoo to call it again at once.

The sync action is active while some connection is automatic or has work
handed over (``next_sync`` set); it is triggered at once for a handover.

When OCA's queue_job is installed, the scheduled actions dispatch instead:
one job per due connection (or running contact import) on the channel
``root.xero``, so organisations run in parallel in as many workers as the
channel allows (:mod:`.jobs`); without it, they work as described above.
"""

import logging
import time

from odoo import fields
from odoo.exceptions import UserError

from . import jobs
from .cron import update_cron
from .export import ExportRun
from .importers import contacts as contact_import
from .importers import inbound, master
from .run import BACKGROUND_SLICE, MANUAL_SLICE, commit, unit

_logger = logging.getLogger(__name__)

#: seconds a scheduled action works before it hands over (it is called again at once)
CRON_BUDGET = 240


# ---------------------------------------------------------------- buttons
def send(connection, trigger="manual", client=None, slice=None):
    """One bounded send of ``connection``; the closed ``xero.sync.run``."""
    return ExportRun(connection, trigger=trigger, client=client, slice=slice or BACKGROUND_SLICE).go()


def send_now(connection):
    """"Send data now": a slice small enough for a web request; the notification."""
    run = send(connection, "manual", slice=MANUAL_SLICE)
    return run._notification(connection.env._(
        "%(done)s sent, %(failed)s failed, %(skipped)s skipped.",
        done=run.count_done, failed=run.count_failed, skipped=run.count_skipped))


def fetch_now(connection):
    """"Fetch from Xero now": webhook events and new payments; the notification."""
    run = inbound.import_from_xero(connection, trigger="manual")
    return run._notification(connection.env._(
        "%(done)s imported, %(failed)s refused.", done=run.count_done, failed=run.count_failed))


def import_master_data(connection, items=False, parts=None):
    return master.import_master_data(connection, items=items, parts=parts)


def start_contact_import(connection, full=None):
    return contact_import.start_import(connection, full=full)


# ---------------------------------------------------------------- schedule
def reschedule(connections):
    """Next automatic run of each connection, and the sync action on or off.

    A manual or disconnected connection is never due, except for work
    handed over by a slice (``next_sync`` kept until that work is done)."""
    now = fields.Datetime.now()
    for conn in connections.sudo():
        if conn.send_mode == "auto" and conn.state == "connected":
            conn.write({"next_sync": max(conn.sync_start or now, now)})
        elif conn.next_sync:
            conn.write({"next_sync": False})
    update_cron(connections.env)


# ---------------------------------------------------------------- scheduled actions
def for_each(env, connections, work, label):
    """Call ``work(connection)`` for each connection, each one isolated: an
    exception is rolled back and logged, and the loop goes on."""
    for conn in connections:
        try:
            with unit(env):
                work(conn.with_company(conn.company_id))
        except Exception:
            _logger.exception("Xero %s of %s stopped; the next connection goes on", label, conn.display_name)
        commit(env)


def cron_sync(env):
    """Scheduled action: one slice for every connected connection that is due
    (automatic and its time has come, or work handed over); called again at
    once while slices leave work due."""
    now = fields.Datetime.now()
    due = env["xero.connection"].sudo().search([
        ("state", "=", "connected"), ("next_sync", "!=", False), ("next_sync", "<=", now)])
    if jobs.available(env):
        jobs.dispatch(env, "send", due)
        update_cron(env)
        return
    deadline = time.monotonic() + CRON_BUDGET
    left = []

    def work(conn):
        if time.monotonic() > deadline:
            left.append(conn.id)
            return
        sync = ExportRun(conn, trigger="auto" if conn.send_mode == "auto" else "manual")
        try:
            sync.go()
        except UserError as exc:
            _logger.info("Xero sync of %s skipped: %s", conn.display_name, exc)
        if sync.remaining and sync.ctx and sync.ctx.budget.exhausted:
            left.append(conn.id)

    for_each(env, due, work, "sync")
    update_cron(env)
    env["ir.cron"]._notify_progress(done=len(due) - len(left), remaining=len(left))


def cron_inbound(env):
    """Scheduled action: every connected connection that imports payments or
    has webhook events waiting. A connection whose sync is running is left
    for the next turn."""
    with_events = env["xero.webhook.event"].sudo()._read_group([("state", "=", "pending")], ["connection_id"])
    event_ids = [conn.id for (conn,) in with_events]
    due = env["xero.connection"].sudo().search([
        ("state", "=", "connected"), "|", ("import_payments", "=", True), ("id", "in", event_ids)])
    if jobs.available(env):
        jobs.dispatch(env, "inbound", due)
        return

    def work(conn):
        try:
            inbound.import_from_xero(conn, trigger="auto")
        except UserError as exc:
            _logger.info("Xero import of %s skipped: %s", conn.display_name, exc)

    for_each(env, due, work, "import")


def cron_import_contacts(env):
    """Scheduled action: advance running contact imports for a few minutes,
    then report progress so Odoo calls it again at once while pages remain
    (with queue_job: one job per import that is due)."""
    if jobs.available(env):
        jobs.dispatch(env, "contacts", contact_import.due_jobs(env))
        return
    done, remaining = contact_import.run_jobs(env, deadline=time.monotonic() + CRON_BUDGET)
    env["ir.cron"]._notify_progress(done=done, remaining=remaining if done else 0)
