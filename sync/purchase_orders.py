"""Purchase orders on their way to Xero: when they are queued.

``models/purchase_order.py`` calls these from its hooks (confirmed,
changed, cancelled, billed, a new file); the sending itself is the purchase
order exporter's (``sync/exporters/purchase_order.py``). "Send to Xero" on
orders is :func:`.actions.send_selection`, as for invoices.
"""

from odoo import fields

from .actions import connections_of
from .exporters.purchase_order import target_status


def stamp(env, what):
    """The first words of a history note: who did ``what`` in Odoo, when (UTC)."""
    return env._("%(what)s in Odoo by %(user)s on %(date)s UTC", what=what, user=env.user.name,
                 date=fields.Datetime.to_string(fields.Datetime.now())[:16])


def queue_upserts(orders, force=False, note=None):
    """Queue the confirmed, in-scope orders that differ from what Xero has
    (their version, or the status they should have there); returns them.

    Skips orders out of scope (``_xero_skip_reason``: not confirmed, before
    the start date, purchase orders turned off and not in Xero yet) and
    orders in Xero exactly as they are. ``force`` puts a refused row back in
    the queue even when the order did not change (an explicit "Send to
    Xero"); ``note`` is added to the history note written in Xero after the
    send (when history notes are on). A delete still waiting is dropped: the
    order was confirmed again before it left, so it stays and is updated."""
    env = orders.env
    Queue = env["xero.queue"].sudo()
    queued = orders.browse()
    connections = connections_of(orders)
    for company, group in orders.grouped("company_id").items():
        connection = connections.get(company)
        if not connection:
            continue
        todo, hashes = orders.browse(), {}
        for order in group:
            if order._xero_skip_reason(connection):
                continue
            source_hash = order._xero_source_hash()
            if order._xero_live_id() and order.xero_hash == source_hash \
                    and order.xero_remote_status == target_status(order, connection):
                continue
            todo |= order
            hashes[order.id] = source_hash
        if not todo:
            continue
        stale = Queue.search([("purchase_id", "in", todo.ids), ("action", "=", "delete"),
                              ("state", "in", ("waiting", "failed"))])
        stale._xero_skip(None, "purchase_order", env._(
            "Confirmed again in Odoo before it was deleted in Xero: updated there instead."))
        rows = Queue._xero_enqueue_batch(connection, todo, "upsert", hashes, force=force)
        if note:
            for row in rows:
                row.xero_history_note = "\n".join(filter(None, [row.xero_history_note, note]))
        queued |= todo
    return queued


def queue_removals(orders):
    """Queue the deletion in Xero of these cancelled orders: those in Xero,
    or whose own request is in flight (the delete then waits for it). The
    orders' waiting updates are dropped."""
    env = orders.env
    Queue = env["xero.queue"].sudo()
    open_rows = Queue.search([("purchase_id", "in", orders.ids), ("action", "in", ("upsert", "attachments")),
                              ("state", "in", ("waiting", "failed"))])
    open_rows._xero_skip(None, "purchase_order", env._("Cancelled in Odoo before it was sent: not sent."))
    in_flight = Queue.search([("purchase_id", "in", orders.ids), ("action", "=", "upsert"),
                              ("state", "=", "sending")]).purchase_id
    targets = orders.filtered(lambda o: o._xero_live_id()) | (orders & in_flight)
    connections = connections_of(targets)
    for company, group in targets.grouped("company_id").items():
        connection = connections.get(company)
        if connection:
            Queue._xero_enqueue_batch(connection, group, "delete", force=True)


def keep_references(orders):
    """Orders deleted in Odoo: their waiting deletes keep the Xero id they need."""
    rows = orders.env["xero.queue"].sudo().search([("purchase_id", "in", orders.ids), ("action", "=", "delete"),
                                                   ("state", "in", ("waiting", "failed", "sending"))])
    for row in rows:
        row.xero_ref = {"xero_id": row.purchase_id.xero_id, "name": row.purchase_id.name}
