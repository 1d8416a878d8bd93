"""Many organisations at once: the connections' work as OCA queue_job jobs.

When the ``queue_job`` module is installed in the database (this addon does
not depend on it: it is looked for at run time), the scheduled actions no
longer work through the connections one after another: they *dispatch*, one
job per connection and kind of work —

* ``send``: one bounded slice of the export (:class:`~.export.ExportRun`,
  the slice of the scheduled action), followed by a job for the next slice
  while work is left;
* ``inbound``: webhook events and payments (:mod:`.importers.inbound`);
* ``contacts``: pages of a contact import for at most a slice's time
  (:mod:`.importers.contacts`), followed by a job for the next pages —

on the channel ``root.xero`` (its capacity is the server's configuration:
``[queue_job] channels = root:4,root.xero:4``). Each job takes the
connection's lock, so one organisation runs one job at a time while many
organisations run in parallel, in any number of Odoo workers on any number
of machines sharing the database; the rate limits are shared through
PostgreSQL (:mod:`.rate`). A job whose connection is busy is retried by
queue_job a few seconds later (``RetryableJobError``, not counted as a
failure); a job's ``identity_key`` keeps one job of a kind per connection
waiting at a time.

The jobs commit as they go (the outbox commits before every call), so their
job functions are registered with "allow commit" (queue_job then runs them
on a cursor of their own). A job whose process dies is put back by
queue_job's own dead-job requeuer and resumes through the outbox: rows left
``sending`` are replayed under their Idempotency-Key, never sent twice.

Without queue_job nothing here runs: the scheduled actions work as before.
"""

import logging
import time

from odoo import fields

from .export import ExportRun, due_domain
from .importers import contacts as contact_import
from .importers import inbound
from .run import BACKGROUND_SLICE, Busy

_logger = logging.getLogger(__name__)

JOB_MODEL = "xero.sync.job"
CHANNEL = "xero"
CHANNEL_PATH = "root.xero"
#: seconds before a job whose connection is busy is tried again
BUSY_RETRY = 10
#: queue_job's retry pattern of the jobs: retries -> seconds before the next one
RETRY_PATTERN = {1: 10, 5: 60, 10: 300}
#: kind of work -> (job method of xero.sync.job, what the job list says)
KINDS = {
    "send": ("_xero_job_send", "Xero: send to Xero"),
    "inbound": ("_xero_job_inbound", "Xero: import from Xero"),
    "contacts": ("_xero_job_contacts", "Xero: import contacts"),
}


def available(env):
    """Whether queue_job is installed in this database (and loaded)."""
    return "queue.job" in env.registry and hasattr(env[JOB_MODEL], "with_delay")


def ensure_setup(env):
    """The channel ``root.xero`` and the job functions (allow commit, retry
    pattern), created when missing: queue_job is not a dependency, so they
    cannot be data files of this addon."""
    Channel = env["queue.job.channel"].sudo()
    channel = Channel.search([("complete_name", "=", CHANNEL_PATH)], limit=1)
    if not channel:
        channel = Channel.create({"name": CHANNEL, "parent_id": env.ref("queue_job.channel_root").id})
    Function = env["queue.job.function"].sudo()
    model = env["ir.model"]._get(JOB_MODEL)
    for method, _description in KINDS.values():
        name = Function.job_function_name(JOB_MODEL, method)
        if not Function.search_count([("name", "=", name)]):
            Function.create({"model_id": model.id, "method": method, "channel_id": channel.id,
                             "allow_commit": True, "retry_pattern": RETRY_PATTERN})


def delay(env, kind, record):
    """Queue the ``kind`` job of ``record`` (a connection, or a contact
    import job) unless one waits already (its identity key)."""
    method, description = KINDS[kind]
    key = f"account_xero:{kind}:{record._name}:{record.id}"
    delayed = env[JOB_MODEL].sudo().with_delay(
        channel=CHANNEL_PATH, identity_key=key, description=f"{description} ({record.display_name})")
    return getattr(delayed, method)(record.id)


def dispatch(env, kind, records):
    """One ``kind`` job per record; returns how many were asked for."""
    if not records:
        return 0
    ensure_setup(env)
    for record in records:
        delay(env, kind, record)
    return len(records)


def _retry_later(message):
    from odoo.addons.queue_job.exception import RetryableJobError  # only when queue_job is there

    return RetryableJobError(message, seconds=BUSY_RETRY, ignore_retry=True)


# ---------------------------------------------------------------- the jobs' bodies
def run_send(env, connection_id):
    """One slice of a connection's export; the next slice is queued while
    work is left. Skips a connection disconnected meanwhile, or no longer
    due (a job queued twice finds the work done)."""
    conn = env["xero.connection"].sudo().browse(connection_id).exists()
    if not conn or conn.state != "connected":
        return "not connected"
    now = fields.Datetime.now()
    if not (conn.next_sync and conn.next_sync <= now) and not env["xero.queue"].sudo().search_count(
            due_domain(conn), limit=1):
        return "nothing due"
    sync = ExportRun(conn.with_company(conn.company_id), trigger="auto" if conn.send_mode == "auto" else "manual",
                     slice=BACKGROUND_SLICE)
    try:
        run = sync.go()
    except Busy as exc:
        raise _retry_later(str(exc)) from exc
    if sync.remaining and sync.ctx.budget.exhausted:
        delay(env, "send", conn)
    return f"{run.state}: {run.count_done} sent, {run.count_failed} failed, {sync.remaining} left"


def run_inbound(env, connection_id):
    """Webhook events and payments of one connection."""
    conn = env["xero.connection"].sudo().browse(connection_id).exists()
    if not conn or conn.state != "connected":
        return "not connected"
    try:
        run = inbound.import_from_xero(conn.with_company(conn.company_id), trigger="auto")
    except Busy as exc:
        raise _retry_later(str(exc)) from exc
    return f"{run.state}: {run.count_done} imported"


def run_contacts(env, import_job_id):
    """Pages of a contact import for at most a slice's time; the next pages
    are queued while the import goes on (a paused import is taken up by its
    scheduled action when its time comes)."""
    job = env["xero.import.job"].sudo().browse(import_job_id).exists()
    if not job or job.state != "running":
        return "not running"
    pages = contact_import.run_job(job, deadline=time.monotonic() + BACKGROUND_SLICE["seconds"])
    if job.state == "running" and not job.next_attempt:
        delay(env, "contacts", job)
    return f"{pages} page(s), {job.state}"
