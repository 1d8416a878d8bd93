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

Matching: the ContactID (binder) — the only match that links — then the tax
number, the exact e-mail, the exact name, each of which makes a
``xero.contact.match`` for an administrator; no match makes a new partner.
Skipped: archived contacts not bound to a partner, ignored proposals.
"""

import json
import logging
import time
from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError

from ...services.api import MAX_PAGE
from ...services.errors import XeroDayLimitError, XeroRetryableError
from ...services.mappers import contact as mapper
from ...services.mappers.master import changed_values
from ...services.util import parse_xero_datetime
from ..run import SyncRun, commit

_logger = logging.getLogger(__name__)

#: contacts per page (Xero's maximum)
PAGE_SIZE = MAX_PAGE
#: a page Xero did not answer is tried again this much later
RETRY_MINUTES = 5
#: a page whose connection is busy with another sync is tried again this much later
BUSY_SECONDS = 60
COUNTS = ("created", "updated", "unchanged", "proposed", "skipped", "failed")
#: context of partner writes made by the import: nothing pushed back to Xero, no chatter noise
IMPORT_CONTEXT = {"xero_no_push": True, "tracking_disable": True, "mail_create_nolog": True,
                  "mail_create_nosubscribe": True, "mail_notrack": True}


class AddressLookup:
    """Countries and states by name or code, loaded once per import (the
    mapper is given this object: it never queries the database itself)."""

    def __init__(self, env):
        self.env = env
        self._countries = None
        self._states = {}

    def country(self, text):
        if not text:
            return False
        if self._countries is None:
            self._countries = {}
            for country in self.env["res.country"].sudo().with_context(lang="en_US").search([]):
                self._countries[country.name.lower()] = country.id
                self._countries[country.code.lower()] = country.id
            for alias, code in (("usa", "us"), ("united states of america", "us"), ("uk", "gb"),
                                ("great britain", "gb"), ("england", "gb")):
                if code in self._countries:
                    self._countries.setdefault(alias, self._countries[code])
        return self._countries.get(text.strip().lower(), False)

    def state(self, country_id, text):
        if not (country_id and text):
            return False
        if country_id not in self._states:
            states = self.env["res.country.state"].sudo().with_context(lang="en_US").search(
                [("country_id", "=", country_id)])
            table = {}
            for state in states:
                table[state.name.lower()] = state.id
                table[state.code.lower()] = state.id
            self._states[country_id] = table
        return self._states[country_id].get(text.strip().lower(), False)


# ------------------------------------------------------------ jobs
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
    jobs = env["xero.import.job"].sudo().search([
        ("state", "=", "running"), "|", ("next_attempt", "=", False), ("next_attempt", "<=", fields.Datetime.now())])
    done = 0
    for job in jobs:
        done += run_job(job, deadline=deadline)
        if time.monotonic() > deadline:
            break
    remaining = sum(max(1, (j.total_count - j.count_read) // max(j.page_size, 1))
                    for j in jobs.filtered(lambda j: j.state == "running" and not j.next_attempt))
    return done, remaining if done else 0


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


# ------------------------------------------------------------ one page
def import_page(connection, contacts, job=None):
    """Import one page of Xero contacts; return the counts.

    Bound partners are updated with Xero's non-empty values (a company stays
    a company; ranks only go up; missing contact persons are added).
    Archived Xero contacts only update the partner bound to them. Decided
    proposals are respected (ignored stays ignored)."""
    env = connection.env
    company = connection.company_id
    Match = env["xero.contact.match"].sudo()
    counts = dict.fromkeys(COUNTS, 0)
    ids = [c["ContactID"] for c in contacts if c.get("ContactID")]
    bound = env["xero.binder"]._to_records("res.partner", ids, company)
    matches = {m.xero_contact_id: m for m in Match.search([("connection_id", "=", connection.id),
                                                         ("xero_contact_id", "in", ids)])}
    lookup = AddressLookup(env)
    title_id = connection.contact_default_title_id.id
    fresh = []
    for contact in contacts:
        cid = contact.get("ContactID")
        if not cid:
            continue
        partner = bound.get(cid)
        if partner:
            changed = update_partner(partner.with_company(company), contact, lookup, title_id)
            counts["updated" if changed else "unchanged"] += 1
            continue
        if (contact.get("ContactStatus") or "ACTIVE").upper() != "ACTIVE":
            counts["skipped"] += 1
            continue
        match = matches.get(cid)
        if match and match.state in ("pending", "ignored"):
            if match.state == "pending":
                values = match_values(contact)
                if values["contact_data"] != match.contact_data:
                    match.write(values)
                counts["proposed"] += 1
            else:
                counts["skipped"] += 1
            continue
        if match:  # linked or created once, since unlinked by a user: decide again
            match.unlink()
        fresh.append(contact)
    found = find_partners(env, company, fresh)
    to_create = []
    for contact in fresh:
        hit = found.get(contact["ContactID"])
        if hit:
            partner, how = hit
            Match.create(dict(match_values(contact), connection_id=connection.id, partner_id=partner.id,
                              match_by=how, job_id=job.id if job else False))
            counts["proposed"] += 1
        else:
            to_create.append(contact)
    created, failed = create_partners(connection, to_create, lookup, job)
    counts["created"] += created
    counts["failed"] += failed
    return counts


def match_values(contact):
    return {
        "xero_contact_id": contact["ContactID"],
        "xero_name": contact.get("Name"),
        "xero_email": contact.get("EmailAddress") or False,
        "xero_tax_number": contact.get("TaxNumber") or False,
        "xero_account_number": contact.get("AccountNumber") or False,
        "contact_data": json.dumps(contact, sort_keys=True),
    }


def find_partners(env, company, contacts):
    """``{ContactID: (partner, "vat"|"email"|"name")}`` for contacts that look
    like an unlinked, active commercial partner of ``company`` (3 queries).
    Partners already linked to a Xero contact are never proposed."""
    if not contacts:
        return {}
    vats = {mapper.norm_vat(c.get("TaxNumber")) for c in contacts} - {""}
    emails = {mapper.norm_email(c.get("EmailAddress")) for c in contacts} - {""}
    names = {(c.get("Name") or "").strip().lower() for c in contacts} - {""}
    base = "p.active AND p.parent_id IS NULL AND (p.company_id IS NULL OR p.company_id = %s)"
    found = {"vat": {}, "email": {}, "name": {}}
    queries = (
        ("vat", "upper(regexp_replace(p.vat, '[^0-9A-Za-z]', '', 'g'))", vats),
        ("email", "p.email_normalized", emails),
        ("name", "lower(trim(p.name))", names),
    )
    for how, expr, values in queries:
        if not values:
            continue
        env.cr.execute(
            f"SELECT {expr}, p.id FROM res_partner p WHERE {base} AND {expr} = ANY(%s) ORDER BY p.id",  # noqa: S608
            (company.id, list(values)))
        for key, pid in env.cr.fetchall():
            found[how].setdefault(key, []).append(pid)
    candidate_ids = {pid for table in found.values() for ids in table.values() for pid in ids}
    partners = env["res.partner"].sudo().with_company(company).browse(candidate_ids)
    linked = {p.id for p in partners if p.xero_contact_id}
    result = {}
    for contact in contacts:
        keys = (("vat", mapper.norm_vat(contact.get("TaxNumber"))),
                ("email", mapper.norm_email(contact.get("EmailAddress"))),
                ("name", (contact.get("Name") or "").strip().lower()))
        for how, key in keys:
            ids = [pid for pid in found[how].get(key, []) if pid not in linked] if key else []
            if ids:
                result[contact["ContactID"]] = (env["res.partner"].browse(ids[0]), how)
                break
    return result


def create_partners(connection, contacts, lookup=None, job=None):
    """Create and bind one partner per Xero contact; ``(created, failed)``.

    Created together; if that fails, one by one, so one bad contact is
    logged (and skipped) and the others still come in."""
    if not contacts:
        return 0, 0
    env = connection.env
    company = connection.company_id
    lookup = lookup or AddressLookup(env)
    Partner = env["res.partner"].sudo().with_company(company).with_context(**IMPORT_CONTEXT)
    title_id = connection.contact_default_title_id.id
    vals_list = []
    for contact in contacts:
        values = mapper.partner_values(contact, lookup, title_id)
        values["xero_contact_status"] = contact.get("ContactStatus") or "ACTIVE"
        vals_list.append(values)
    try:
        with env.cr.savepoint():
            pairs = list(zip(create_with_children(Partner, vals_list), contacts, strict=True))
    except Exception:  # noqa: BLE001 - retried one by one below, each failure logged
        pairs = []
        for vals, contact in zip(vals_list, contacts, strict=True):
            try:
                with env.cr.savepoint():
                    pairs.append((create_with_children(Partner, [vals]), contact))
            except Exception as exc:  # noqa: BLE001 - one bad contact must not stop the import
                _logger.warning("Xero contact %s not imported: %s", contact.get("ContactID"), exc)
                env["xero.sync.log"]._log(
                    connection, "contact", "import", "failed", run=job.run_id if job else None,
                    xero_id=contact.get("ContactID"), message=env._(
                        "%(name)s could not be imported: %(error)s", name=contact.get("Name"), error=str(exc)))
    binder = env["xero.binder"]
    for partner, contact in pairs:
        binder._bind(partner, contact["ContactID"], company)
    return len(pairs), len(contacts) - len(pairs)


def create_with_children(Partner, vals_list):
    """Create partners, then all their contact persons in one batch (quicker
    than one nested create per partner)."""
    vals_list = [dict(vals) for vals in vals_list]
    children = [vals.pop("child_ids", []) for vals in vals_list]
    partners = Partner.create(vals_list)
    Partner.create([dict(command[2], parent_id=partner.id)
                    for partner, commands in zip(partners, children, strict=True) for command in commands])
    return partners


def update_partner(partner, contact, lookup, title_id):
    """Write Xero's values on a bound partner; True when something changed.

    Left as they are: whether it is a company, a title it has, ranks higher
    than Xero's, and contact persons it already has (by name and type; one
    invoice address at most; a person takes no primary person)."""
    partner = partner.sudo().with_context(**IMPORT_CONTEXT)
    values = mapper.partner_values(contact, lookup, title_id)
    children = values.pop("child_ids", [])
    values.pop("is_company", None)
    if "title" in values and partner.title:
        values.pop("title")
    for rank in ("customer_rank", "supplier_rank"):
        if rank in values and partner[rank] >= values[rank]:
            values.pop(rank)
    changes = changed_values(partner, values)
    status = (contact.get("ContactStatus") or "ACTIVE").upper()
    if partner.xero_contact_status != status:
        changes["xero_contact_status"] = status
    have = {((c.name or "").strip().lower(), c.type) for c in partner.child_ids}
    new_children = [cmd for cmd in children
                    if ((cmd[2].get("name") or "").strip().lower(), cmd[2]["type"]) not in have
                    and not (cmd[2]["type"] == "invoice" and any(t == "invoice" for _n, t in have))
                    and (partner.is_company or not cmd[2].get("xero_primary_person"))]
    if new_children:
        changes["child_ids"] = new_children
    if changes:
        partner.write(changes)
    return bool(changes)
