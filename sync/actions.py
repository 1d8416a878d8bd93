"""What happens to documents on their way to Xero: when they are queued,
and the user's "Send to Xero" / "Export attachments to Xero".

The models' hooks (``models/account_move.py``) call these; every function
that a user can start checks the user's group first (:func:`check_user`):
the menus and buttons are no guard against RPC.
"""

from collections import defaultdict
from contextlib import contextmanager

from odoo.exceptions import AccessError, UserError

from ..services.errors import XeroAuthError, XeroDayLimitError, XeroError, XeroNotFoundError
from ..services.mappers.invoice import kind_of
from .export import ExportRun
from .run import MANUAL_SLICE

USER_GROUP = "account_xero.group_xero_user"
MANAGER_GROUP = "account_xero.group_xero_manager"


def check_user(env, group=USER_GROUP):
    """Raise AccessError unless the current user is in ``group`` (Xero users by default)."""
    if not env.su and not env.user.has_group(group):
        raise AccessError(env._("Only %(group)s may do this.", group=env.ref(group).full_name))


def check_manager(env):
    check_user(env, MANAGER_GROUP)


def guard_xero_fields(records, vals, names):
    """Refuse, unless the code itself writes them (``sudo()``), a write of
    the fields that bind a record to Xero or record what Xero said of it:
    whoever could write them could make the next sync update someone else's
    document, or skip one."""
    touched = sorted(set(names) & vals.keys())
    if touched and not records.env.su:
        raise AccessError(records.env._(
            "These fields are written by the Xero sync only: %(fields)s.", fields=", ".join(touched)))


@contextmanager
def user_errors(env, not_found=None):
    """Turn a Xero error during a user's own read (a wizard, a report) into a
    message for that user; nothing is kept of the failed read. ``not_found``
    is the message for a 404 (default: Xero's own)."""
    try:
        yield
    except XeroAuthError as exc:
        raise UserError(env._("Xero refused access: %(error)s", error=exc.message)) from exc
    except XeroDayLimitError as exc:
        raise UserError(env._("Xero's daily API limit for this organisation is spent; try again tomorrow.")) from exc
    except XeroNotFoundError as exc:
        raise UserError(not_found or exc.message) from exc
    except XeroError as exc:
        raise UserError(env._("Xero could not be read: %(error)s", error=exc.message)) from exc


def connections_of(records):
    """``{company: connection}`` of the companies of ``records`` (documents,
    purchase orders) whose connection has an organisation (connected now or
    not: rows queued while disconnected are sent after reconnecting)."""
    if not records.company_id:
        return {}
    conns = records.env["xero.connection"].sudo().search(
        [("company_id", "in", records.company_id.ids), ("tenant_id", "!=", False)])
    return {conn.company_id: conn for conn in conns}


# ---------------------------------------------------------------- documents to send
#: the connection's "Documents to send" switch of each document type
TYPE_SETTINGS = {"out_invoice": "send_invoices", "in_invoice": "send_bills", "out_refund": "send_credit_notes",
                 "in_refund": "send_credit_notes", "purchase.order": "send_purchase_orders"}


def type_off_reason(record, connection):
    """Why ``record`` (a document or purchase order) is not sent because its
    type is turned off on ``connection``, or None. The caller asks only for
    records not in Xero yet: those in Xero keep their updates."""
    setting = TYPE_SETTINGS.get(record.move_type if record._name == "account.move" else record._name)
    if not setting or connection[setting]:
        return None
    return record.env._(
        "%(doc)s is not sent: %(type)s are turned off in the Xero settings (Documents to send).",
        doc=record.display_name, type=connection._fields[setting].get_description(record.env)["string"].lower())


def waiting_of_types(connection, settings):
    """What already waits to be sent of the document types of ``settings``
    (names of "Documents to send" fields): a sentence, or None."""
    env = connection.env
    Queue = env["xero.queue"].sudo()
    open_rows = [("connection_id", "=", connection.id), ("action", "=", "upsert"),
                 ("state", "in", ("waiting", "sending", "failed"))]
    move_types = [key for key, setting in TYPE_SETTINGS.items() if setting in settings and key != "purchase.order"]
    rows = Queue.browse()
    if move_types:
        rows |= Queue.search([*open_rows, ("res_model", "=", "account.move"), ("move_id.move_type", "in", move_types)])
    if "send_purchase_orders" in settings:
        rows |= Queue.search([*open_rows, ("res_model", "=", "purchase.order")])
    if not rows:
        return None
    live = len(rows.filtered(lambda r: (r.move_id or r.purchase_id).xero_id))
    return env._("%(count)s of these documents already wait to be sent: the %(new)s not in Xero yet will not be sent; "
                 "the %(live)s already in Xero keep getting their updates, voids, payments and files.",
                 count=len(rows), new=len(rows) - live, live=live)


def files_of(env, records_list):
    """The files (``ir.attachment``, by id) attached to the records of the
    recordsets of ``records_list``, not binary fields."""
    Attachment = env["ir.attachment"].sudo()
    found = Attachment.browse()
    for records in records_list:
        if records:
            found |= Attachment.search([("res_model", "=", records._name), ("res_id", "in", records.ids),
                                        ("type", "=", "binary"), ("res_field", "=", False)])
    return found.sorted("id")


def records_with_files(env, records_list):
    """``{(model, id)}`` of the records of ``records_list`` that have files."""
    by_model = defaultdict(set)
    for records in records_list:
        if records:
            by_model[records._name].update(records.ids)
    found = set()
    for model, ids in by_model.items():
        groups = env["ir.attachment"].sudo()._read_group([
            ("res_model", "=", model), ("res_id", "in", list(ids)), ("type", "=", "binary"),
            ("res_field", "=", False)], ["res_id"])
        found.update((model, res_id) for (res_id,) in groups)
    return found


# ---------------------------------------------------------------- queueing
def queue_documents(moves, force=False):
    """Queue the posted, in-scope documents that differ from what Xero has.

    Skips documents out of scope (``_xero_skip_reason``) and documents live
    in Xero and unchanged since. ``force`` puts failed rows back in the queue
    even when the document did not change (a user's explicit "Send to Xero").
    Returns the documents queued."""
    env = moves.env
    queued = moves.browse()
    Queue = env["xero.queue"].sudo()
    connections = moves._xero_connections()
    for company, group in moves.grouped("company_id").items():
        connection = connections.get(company)
        if not connection:
            continue
        todo = moves.browse()
        hashes = {}
        for move in group:
            if move._xero_skip_reason(connection):
                continue
            source_hash = move._xero_source_hash()
            if move._xero_is_unchanged(source_hash):
                continue
            todo |= move
            hashes[move.id] = source_hash
        if not todo:
            continue
        # posted again before a queued void/delete was sent: keep the document instead
        stale = Queue.search([("move_id", "in", todo.ids), ("action", "in", ("void", "delete")),
                              ("state", "in", ("waiting", "failed"))])
        for row in stale:
            row._xero_skip(None, kind_of(row.move_id).xero_object, env._(
                "Posted again in Odoo before it was removed from Xero: updated there instead."))
        Queue._xero_enqueue_batch(connection, todo, "upsert", hashes, force=force)
        queued |= todo
    return queued


def queue_attachments(moves, only_when_enabled=True):
    """Queue the export of the files of documents (or purchase orders) already in Xero.

    Documents not in Xero yet are skipped: their files follow them when they
    are sent. With ``only_when_enabled`` (automatic export on a new file)
    connections without attachment export are skipped."""
    Queue = moves.env["xero.queue"].sudo()
    connections = moves._xero_connections()
    queued = moves.browse()
    for company, group in moves.grouped("company_id").items():
        connection = connections.get(company)
        if not connection or (only_when_enabled and not connection.export_attachments):
            continue
        todo = group.filtered(lambda m, c=connection: m._xero_live_id() and not m._xero_skip_reason(c))
        if todo:
            Queue._xero_enqueue_batch(connection, todo, "attachments", force=True)
            queued |= todo
    return queued


def queue_removals(moves, keep_reference=False):
    """Queue the removal from Xero of these documents: delete for a Xero
    draft (or awaiting approval), void for an approved one. With
    ``keep_reference`` (the document is being deleted in Odoo) the row keeps
    the Xero id, type and status it needs."""
    Queue = moves.env["xero.queue"].sudo()
    connections = moves._xero_connections()
    for company, group in moves.grouped("company_id").items():
        connection = connections.get(company)
        if not connection:
            continue
        values = {}
        if keep_reference:
            values = {move.id: {"xero_ref": {"xero_id": move.xero_id, "move_type": move.move_type,
                                             "status": move.xero_remote_status, "name": move.name}}
                      for move in group}
        drafts = group.filtered(lambda m: m.xero_remote_status in ("DRAFT", "SUBMITTED"))
        Queue._xero_enqueue_batch(connection, drafts, "delete", force=True, values=values)
        Queue._xero_enqueue_batch(connection, group - drafts, "void", force=True, values=values)


def close_open_upserts(moves, message, all_actions=False):
    """Skip the not-yet-sent rows of these documents (never one in flight):
    their upserts, and with ``all_actions`` their files too."""
    actions = ("upsert", "attachments") if all_actions else ("upsert",)
    rows = moves.env["xero.queue"].sudo().search([
        ("move_id", "in", moves.ids), ("action", "in", actions), ("state", "in", ("waiting", "failed"))])
    for row in rows:
        row._xero_skip(None, kind_of(row.move_id).xero_object, message)


# ---------------------------------------------------------------- user actions
def send_selection(moves, what):
    """"Send to Xero" (``what`` = ``documents``) or "Export attachments to
    Xero" (``attachments``) on the selected documents, then a bounded send
    of each connection concerned; returns the notification.

    Skips, and says so: documents not posted, dated before the import start
    date, not invoices/bills/credit notes, of a company without a Xero
    connection; documents already in Xero and unchanged (documents), or not
    in Xero yet (attachments). A document Xero refused before is sent again
    (an explicit retry). What does not fit in the slice goes on in the
    background, and the notification says how many."""
    env = moves.env
    check_user(env)
    moves.check_access("read")
    moves = moves.sudo()
    if what == "documents":
        queue, not_queued_reason = (lambda ms: ms._xero_queue_documents(force=True)), env._(
            "already in Xero and unchanged")
    else:
        queue, not_queued_reason = (lambda ms: ms._xero_queue_attachments(only_when_enabled=False)), env._(
            "not in Xero yet: send the document first")
    skipped = defaultdict(list)
    connections = moves._xero_connections()
    to_run = []
    for company, group in moves.grouped("company_id").items():
        connection = connections.get(company)
        if not connection:
            skipped[env._("company not connected to Xero")] += group.mapped("display_name")
            continue
        candidates = moves.browse()
        for move in group:
            reason = move._xero_skip_reason(connection)
            if reason:
                skipped[reason].append(move.display_name)
            else:
                candidates |= move
        queued = queue(candidates)
        for move in candidates - queued:
            skipped[not_queued_reason].append(move.display_name)
        if queued:
            to_run.append(connection)
    runs = env["xero.sync.run"]
    for connection in to_run:
        runs |= ExportRun(connection, trigger="manual", slice=MANUAL_SLICE).go()
    return selection_notification(env, runs, skipped)


def selection_notification(env, runs, skipped):
    lines = []
    if runs:
        lines.append(env._("%(done)s sent, %(failed)s failed, %(skipped)s skipped.",
                           done=sum(runs.mapped("count_done")), failed=sum(runs.mapped("count_failed")),
                           skipped=sum(runs.mapped("count_skipped"))))
        lines += [run.message for run in runs if run.message]
    for reason, names in skipped.items():
        shown = ", ".join(names[:10]) + (" …" if len(names) > 10 else "")
        lines.append(env._("Not sent (%(reason)s): %(docs)s", reason=reason, docs=shown))
    if not lines:
        lines.append(env._("Nothing to send."))
    bad = any(run.state in ("partial", "failed", "stopped") for run in runs)
    return {
        "type": "ir.actions.client",
        "tag": "display_notification",
        "params": {
            "title": env._("Send to Xero"),
            "message": "\n".join(lines),
            "type": "warning" if bad or (skipped and not runs) else "success",
            "sticky": bad,
            "next": {"type": "ir.actions.client", "tag": "soft_reload"},
        },
    }
