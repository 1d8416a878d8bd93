"""What a bookkeeper reads about a document sent to Xero: Xero's refusals
said so they know what to do, and one chatter note per document and batch."""

import re

from markupsafe import Markup, escape

from odoo import fields
from odoo.tools.mail import generate_tracking_message_id

MAPPINGS_MENU = "Accounting ▸ Configuration ▸ Xero ▸ Mappings"


def _known_refusals(env):
    """``(regex, explain(move, match))`` for the refusals a bookkeeper can fix."""
    menu = MAPPINGS_MENU
    return [
        (r"must be unique", lambda move, m: env._(
            "Xero already has a document numbered %(number)s that was not sent from this one. Give one of "
            "them another number (in Xero, or by resequencing in Odoo), then retry.", number=move.name)),
        (r"account code '([^']*)' is not a valid code", lambda move, m: env._(
            "Xero does not accept the account code %(code)s on this document (unknown, archived, bank or "
            "system account in Xero): map the Odoo account to another Xero account in %(menu)s, then retry.",
            code=m.group(1), menu=menu)),
        (r"taxtype code '([^']*)'", lambda move, m: env._(
            "Xero does not accept the tax rate %(type)s here (it does not exist, is deleted, or does not suit "
            "the account): correct the tax mapping in %(menu)s, then retry.", type=m.group(1), menu=menu)),
        (r"not subscribed to currency (\w+)", lambda move, m: env._(
            "The currency %(currency)s is not enabled in your Xero organisation: add it in Xero "
            "(Settings ▸ Currencies), then retry.", currency=m.group(1))),
        (r"contact .* is archived|archived contact", lambda move, m: env._(
            "The Xero contact of %(partner)s is archived: restore it in Xero (Contacts ▸ Archived), then "
            "retry.", partner=move.partner_id.commercial_partner_id.display_name)),
        (r"payments allocated|payment or credit note allocated", lambda move, m: env._(
            "%(doc)s has payments or credit notes allocated in Xero, so Xero refuses to change or void it: "
            "remove them in Xero first, then retry.", doc=move.display_name)),
        (r"not of valid status for modification", lambda move, m: env._(
            "Xero no longer accepts changes to %(doc)s (status %(status)s there).",
            doc=move.display_name, status=move.xero_remote_status or "?")),
        (r"tracking", lambda move, m: env._(
            "Xero refused the tracking of a line: %(error)s Check the tracking mappings in %(menu)s.",
            error=m.string, menu=menu)),
    ]


def explain_refusals(move, messages):
    """Xero's validation messages on ``move``, said for a bookkeeper (Xero's
    own words when it is not a known case)."""
    env = move.env
    known = _known_refusals(env)
    explained = []
    for text in messages:
        for pattern, explain in known:
            match = re.search(pattern, text, re.IGNORECASE)
            if match:
                explained.append(explain(move, match))
                break
        else:
            explained.append(env._("Xero refused it: %(error)s", error=text))
    return " ".join(dict.fromkeys(explained))


def log_outcomes(env, rows, notes, attachments=False):
    """One chatter note per document (or purchase order) whose row got an
    outcome in this batch (``notes`` gives the text of the sent ones, by
    record id); rows still waiting or in flight get none."""
    bodies = {}
    rows = rows.exists()
    rows.fetch(["move_id", "purchase_id", "state", "message"])
    for row in rows:
        move = row.move_id or row.purchase_id
        if not move:
            continue
        text = notes.get(move.id) or row.message or ""
        if row.state == "sent" and attachments:
            body = env._("Files sent to Xero: %(text)s", text=text)
        elif row.state == "sent":
            body = env._("Sent to Xero: %(text)s", text=text)
        elif row.state == "failed" and attachments:
            body = env._("Xero refused the files: %(text)s", text=text)
        elif row.state in ("failed", "skipped"):
            body = env._("Not sent to Xero: %(text)s", text=row.message or "")
        else:
            continue
        bodies.setdefault(move._name, {})[move.id] = Markup("<p>%s</p>") % body
    for model, by_id in bodies.items():
        log_notes(env[model].browse(list(by_id)), by_id)


def log_notes(records, bodies):
    """One internal note per record (``bodies``: ``{record id: Markup}``),
    written in one statement: what ``_message_log_batch`` writes (the
    current user as author, the "Note" subtype, internal, no notification,
    a message id each), without a ``mail.message`` ORM create per note —
    that create costs about a millisecond a note, more than the rest of a
    document's send.

    Skipped on purpose: ``mail.message``'s create logic, which has nothing
    to do for an internal log without recipients, attachments or tracking
    (a module overriding that create does not see these notes), and the
    live push to a chatter open in a browser (the note shows when the
    document is opened or reloaded)."""
    env = records.env
    env.user.fetch(["partner_id"])
    author = env.user.partner_id
    # after a commit: the few fields read here, not every column of a partner and a company
    author.fetch(["name", "email"])
    env.company.fetch(["alias_domain_id"])
    email_from = author.email_formatted
    reply_to = env["mail.thread"]._notify_get_reply_to(default=email_from)[False]
    subtype_id = env["ir.model.data"]._xmlid_to_res_id("mail.mt_note")
    now = fields.Datetime.now()
    ids = list(bodies)
    env.cr.execute(
        """INSERT INTO mail_message (model, res_id, body, message_id, message_type, subtype_id, author_id,
                                     email_from, reply_to, is_internal, email_add_signature, date,
                                     create_uid, create_date, write_uid, write_date)
           SELECT %s, note.res_id, note.body, note.message_id, 'notification', %s, %s, %s, %s, true, false, %s,
                  %s, %s, %s, %s
             FROM unnest(%s::int[], %s::text[], %s::text[]) AS note(res_id, body, message_id)""",
        (records._name, subtype_id, author.id or None, email_from or None, reply_to or None, now,
         env.uid, now, env.uid, now, ids, [str(escape(bodies[res_id])) for res_id in ids],
         [generate_tracking_message_id("message-notify") for _res_id in ids]))
    records.invalidate_recordset(["message_ids"])
