"""Xero → Odoo: the contact import, a background job (``xero.import.job``)
reading Xero's contacts page by page, and the import of one page.

A job reads every contact (archived ones too, so a removal never shifts a
page) by ContactID, then a "changes" pass reads what changed in Xero since
the job started (Xero's clock): contacts created or renamed meanwhile. Later
imports only read the changes since the last complete one, unless asked.

Each page is one ``SyncRun`` of kind ``contacts`` on the job's run row,
which stays open across pages (``resumable``): the sync lock is held for a
page, never for hours. A page and the job's next page are saved together:
an interrupted job resumes at the first page not saved, and a page read
twice changes nothing. A busy lock puts the job off a minute; Xero not
answering or its day limit pause it; a lost connection or a refused request
stops it with the reason (an administrator resumes it).

One page is imported by :mod:`.contact_pages` (matching and partners).
"""

import logging
import time
from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError

from ...services.api import MAX_PAGE
from ...services.errors import XeroDayLimitError, XeroRetryableError
from ...services.util import parse_xero_datetime
from ..run import SyncRun, commit
from .contact_pages import import_page

_logger = logging.getLogger(__name__)

#: contacts per page (Xero's maximum)
PAGE_SIZE = MAX_PAGE
#: a page Xero did not answer is tried again this much later
RETRY_MINUTES = 5
#: a page whose connection is busy with another sync is tried again this much later
BUSY_SECONDS = 60


def trigger(env, at=None):
    """Have the contact import's scheduled action run (at ``at``, default now)."""
    cron = env.ref("account_xero.ir_cron_xero_import_contacts", raise_if_not_found=False)
    if cron:
        cron.sudo()._trigger(at)


def start_import(connection, full=None):
    """Start (or resume) the contact import in the background; return the job.

    A running or stopped import is resumed, never doubled. After a complete
    import only the changes since it are read, unless ``full``; the first
    import is always full. Raises UserError when not connected."""
    connection.ensure_one()
    connection._ensure_connected()
    env = connection.env
    Job = env["xero.import.job"].sudo()
    job = Job.search([("connection_id", "=", connection.id), ("state", "in", ("running", "failed"))], limit=1)
    if job:
        resume_jobs(job)
        return job
    last = Job.search([("connection_id", "=", connection.id), ("state", "=", "done")], limit=1)
    vals = {"connection_id": connection.id}
    if last and not full and last.xero_start:
        vals.update(phase="changes", modified_since=last.xero_start - timedelta(seconds=1))
    run = env["xero.sync.run"].sudo().create({
        "connection_id": connection.id, "kind": "contacts", "resumable": True, "trigger": "manual",
        "operation": env._("Import contacts")})
    job = Job.create(dict(vals, run_id=run.id))
    trigger(env)
    return job


def resume_jobs(jobs):
    """Put stopped imports back to work where they stopped (in the background)."""
    jobs.filtered(lambda j: j.state == "failed").sudo().write(
        {"state": "running", "next_attempt": False, "message": False})
    trigger(jobs.env)


def run_jobs(env, deadline):
    """The scheduled action's body: advance the running imports that are due
    until ``deadline`` (``time.monotonic()``); return ``(pages done, pages
    remaining)``, remaining being 0 when no page was done (the paused and put
    off jobs wait for their time: nothing to hand over at once)."""
    jobs = due_jobs(env)
    done = 0
    for job in jobs:
        done += run_job(job, deadline=deadline)
        if time.monotonic() > deadline:
            break
    remaining = sum(max(1, (j.total_count - j.count_read) // max(j.page_size, 1))
                    for j in jobs.filtered(lambda j: j.state == "running" and not j.next_attempt))
    return done, remaining if done else 0


def due_jobs(env):
    """The running imports whose next page is due."""
    return env["xero.import.job"].sudo().search([
        ("state", "=", "running"), "|", ("next_attempt", "=", False), ("next_attempt", "<=", fields.Datetime.now())])


def run_job(job, deadline=None, max_pages=None):
    """Import pages of ``job`` until it ends, is paused, ``deadline``
    (monotonic) passes or ``max_pages`` are done; return the pages done."""
    job = job.sudo()
    pages = 0
    while job.state == "running" and (max_pages is None or pages < max_pages):
        if deadline and time.monotonic() > deadline:
            break
        if not run_page(job):
            break
        pages += 1
    return pages


def run_page(job):
    """One page of ``job`` in its own run slice; True when a page was
    imported, False when the job was paused, put off, stopped or cancelled."""
    env, connection = job.env, job.connection_id
    try:
        connection._ensure_connected()
    except UserError as exc:
        stop(job, exc.args[0])
        return False
    sync = SyncRun(connection, "contacts", "auto", operation=env._("Import contacts"), run=job.run_id or None,
                   resumable=True)
    pause_for = None
    try:
        with sync as ctx:
            # the job's row for the page: a user cancelling it waits for the page (and is retried)
            env.cr.execute("SELECT id FROM xero_import_job WHERE id = %s FOR UPDATE SKIP LOCKED", (job.id,))
            held = env.cr.fetchone()
            job.invalidate_recordset()
            if not held or job.state != "running":  # being cancelled, or cancelled meanwhile
                return False
            if not job.run_id:
                job.run_id = ctx.run
            try:
                import_next_page(ctx, job)
            except XeroDayLimitError as exc:
                pause_for = exc.retry_after, env._(
                    "Xero's daily API limit is spent: the import resumes by itself after %(when)s UTC.",
                    when=fields.Datetime.now() + timedelta(seconds=exc.retry_after))
            except XeroRetryableError as exc:
                pause_for = RETRY_MINUTES * 60, env._(
                    "Xero did not answer (%(error)s): retried in %(min)s minutes.", error=exc.message,
                    min=RETRY_MINUTES)
            if pause_for:  # the run row stays open: the job goes on later
                pause(job, *pause_for)
    except UserError:
        # entering refused it (what the run raises inside is recorded on it): another sync is running
        pause(job, BUSY_SECONDS, env._("Waiting for another sync of %(org)s to finish.",
                                       org=connection.display_name))
        commit(env)
        return False
    if sync.state:  # recorded on the run (closed) by SyncRun: the job stops with the reason
        job.write({"state": "failed", "message": sync.message})
        commit(env)
        return False
    return not pause_for


def pause(job, seconds, message):
    at = fields.Datetime.now() + timedelta(seconds=seconds)
    job.write({"next_attempt": at, "message": message})
    trigger(job.env, at)


def stop(job, message):
    """Stop the job and close its run with ``message`` (resumed by a user)."""
    job.write({"state": "failed", "message": message})
    if job.run_id:
        job.run_id._finish(state="failed", message=message)
    commit(job.env)


def import_next_page(ctx, job):
    """Read and import the job's next page and save where it is; the page is
    all or nothing. Closes the run when the job is done."""
    calls = ctx.api.calls
    since = job.modified_since if job.phase == "changes" else None
    page = ctx.api.contact_page(job.next_page, job.page_size, since=since)
    with ctx.env.cr.savepoint():
        counts = import_page(ctx.connection, page.elements, job=job)
    vals = {f"count_{key}": job[f"count_{key}"] + value for key, value in counts.items()}
    vals.update(count_read=job.count_read + len(page.elements), api_calls=job.api_calls + ctx.api.calls - calls,
                next_attempt=False, message=False)
    if not job.xero_start:
        vals["xero_start"] = parse_xero_datetime(page.data.get("DateTimeUTC")) or fields.Datetime.now()
    if job.next_page == 1 and page.item_count is not None and not job.total_count:
        vals["total_count"] = page.item_count
    if not page.last:
        vals["next_page"] = job.next_page + 1
    elif job.phase == "full":
        # catch what changed in Xero while the pages were read (1 s: If-Modified-Since has whole seconds)
        start = vals.get("xero_start") or job.xero_start
        vals.update(phase="changes", next_page=1, modified_since=start - timedelta(seconds=1))
    else:
        vals.update(state="done", date_end=fields.Datetime.now())
    job.write(vals)
    if job.state == "done" and job.run_id:
        job.run_id._finish(message=summary(job))


def summary(job):
    return job.env._(
        "%(read)s read: %(created)s created, %(updated)s updated, %(unchanged)s unchanged, %(proposed)s to "
        "confirm, %(skipped)s skipped, %(failed)s failed; %(calls)s API calls.", read=job.count_read,
        created=job.count_created, updated=job.count_updated, unchanged=job.count_unchanged,
        proposed=job.count_proposed, skipped=job.count_skipped, failed=job.count_failed, calls=job.api_calls)
