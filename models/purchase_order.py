"""Purchase orders: their Xero fields and the Odoo hooks that queue them.

An order is queued when it is confirmed (state "purchase", also after a
double-validation approval; "done" — locked — follows the same rules),
dated on or after the connection's start date, for a company whose
connection has an organisation and sends purchase orders ("Documents to
send"). Later changes Xero shows (lines, quantities, prices, taxes, dates,
vendor, reference, terms, delivery) queue an update; cancelling it queues
its deletion in Xero; a bill posted for it queues it too — billed in full,
it is marked BILLED in Xero. BILLED and DELETED are final in Xero while
Odoo can go back: an order confirmed again after its deletion in Xero
becomes a new Xero purchase order (the deleted one stays, the chatter says
so); a billed one stays billed there.
"""

from odoo import api, fields, models

from ..services.mappers.purchase_order import CONFIRMED, order_date, source_snapshot
from ..services.util import payload_hash
from ..sync import actions
from ..sync import purchase_orders as queueing
from ..sync.actions import guard_xero_fields
from .account_move import OPEN_STATES, XERO_STATES

#: queue actions that carry the order itself (files have their own status)
ORDER_ACTIONS = ("upsert", "delete")
#: order fields whose change may change what Xero shows
XERO_RELEVANT_FIELDS = frozenset({
    "order_line", "partner_id", "partner_ref", "date_order", "date_planned", "currency_id", "notes",
    "dest_address_id", "picking_type_id", "user_id", "fiscal_position_id",
})
#: what binds an order to Xero and what Xero said of it: written by the sync only
XERO_OWN_FIELDS = ("xero_id", "xero_hash", "xero_sent_date", "xero_remote_status", "xero_remote_checked")
REMOTE_STATUSES = [("DRAFT", "Draft"), ("SUBMITTED", "Awaiting approval"), ("AUTHORISED", "Approved"),
                   ("BILLED", "Billed"), ("DELETED", "Deleted")]


class PurchaseOrder(models.Model):
    _inherit = "purchase.order"
    _xero_id_field = "xero_id"

    xero_id = fields.Char("Xero ID", copy=False, index="btree_not_null", readonly=True,
                          help="PurchaseOrderID in Xero.")
    xero_queue_ids = fields.One2many("xero.queue", "purchase_id", "Xero queue", readonly=True)
    xero_queue_count = fields.Integer("Xero actions", compute="_compute_xero_queue_count")
    xero_state = fields.Selection(
        XERO_STATES, "Xero status", default="none", copy=False, readonly=True, compute="_compute_xero_state",
        store=True, index=True, help="Where the order stands in the queue towards Xero: the open action when "
        "there is one (waiting, sending, failed), otherwise the last one done.")
    xero_message = fields.Char("Xero message", copy=False, readonly=True, compute="_compute_xero_state", store=True)
    xero_hash = fields.Char("Last sent hash", copy=False, readonly=True)
    xero_sent_date = fields.Datetime("Sent to Xero on", copy=False, readonly=True)
    xero_remote_status = fields.Selection(REMOTE_STATUSES, "Status in Xero", copy=False, readonly=True,
                                          help="The order's status in Xero as Xero last answered.")
    xero_remote_checked = fields.Datetime("Checked in Xero on", copy=False, readonly=True)

    @api.depends("xero_queue_ids.state", "xero_queue_ids.message", "xero_queue_ids.action")
    def _compute_xero_state(self):
        """The open action (upsert, delete) decides; without one, the last done."""
        for order in self:
            rows = order.xero_queue_ids.filtered(lambda r: r.action in ORDER_ACTIONS).sorted("id")
            row = rows.filtered(lambda r: r.state in OPEN_STATES)[-1:] or rows[-1:]
            if not row:
                order.xero_state = (order.xero_state or "sent") if order.xero_id else "none"
                order.xero_message = False
                continue
            order.xero_state = "sent" if row.state == "skipped" and order.xero_id else row.state
            order.xero_message = row.message or False

    @api.depends("xero_queue_ids")
    def _compute_xero_queue_count(self):
        for order in self:
            order.xero_queue_count = len(order.xero_queue_ids)

    # ------------------------------------------------------------ what Xero has
    def _xero_connections(self):
        return actions.connections_of(self)

    def _xero_skip_reason(self, connection):
        """Why this order is not sent to Xero, or None when it is."""
        self.ensure_one()
        if self.state not in CONFIRMED:
            return self.env._("%(order)s is not confirmed: only confirmed purchase orders are sent to Xero.",
                              order=self.display_name)
        start, date = connection.import_start_date, order_date(self)
        if start and date and date < start:
            return self.env._("%(order)s is dated %(date)s, before the import start date %(start)s: it is not "
                              "sent.", order=self.display_name, date=date, start=start)
        return None if self._xero_live_id() else actions.type_off_reason(self, connection)

    def _xero_source_hash(self):
        self.ensure_one()
        return payload_hash(source_snapshot(self))

    def _xero_live_id(self):
        """The Xero id to update, None when the order is not (any more) in Xero."""
        self.ensure_one()
        return self.xero_id if self.xero_id and self.xero_remote_status != "DELETED" else None

    def _xero_attachments(self):
        """The files of this order (not binary fields)."""
        self.ensure_one()
        return actions.files_of(self.env, [self])

    def _xero_with_attachments(self):
        having = actions.records_with_files(self.env, [self])
        return self.filtered(lambda order: (order._name, order.id) in having)

    # ------------------------------------------------------------ queueing
    def _xero_queue_upsert(self, force=False, note=None):
        """Queue these orders when Xero should see them anew; returns them."""
        return queueing.queue_upserts(self, force=force, note=note)

    def _xero_queue_documents(self, force=False):
        """What "Send to Xero" queues (see :func:`..sync.actions.send_selection`)."""
        return queueing.queue_upserts(self, force=force)

    def _xero_queue_attachments(self, only_when_enabled=True):
        return actions.queue_attachments(self, only_when_enabled=only_when_enabled)

    # ------------------------------------------------------------ hooks
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            guard_xero_fields(self, vals, XERO_OWN_FIELDS)
        return super().create(vals_list)

    def write(self, vals):
        """Queue what the change means in Xero (see the module doc)."""
        guard_xero_fields(self, vals, XERO_OWN_FIELDS)
        before = {order.id: order.state for order in self} if "state" in vals else {}
        res = super().write(vals)
        if self.env.context.get("xero_no_queue"):
            return res
        confirmed = self.filtered(lambda o: before and before[o.id] not in CONFIRMED and o.state in CONFIRMED)
        cancelled = self.filtered(lambda o: before and before[o.id] != "cancel" and o.state == "cancel")
        if confirmed:
            confirmed.sudo()._xero_queue_upsert(note=queueing.stamp(self.env, self.env._("Approved")))
        if cancelled:
            queueing.queue_removals(cancelled.sudo())
        changed = XERO_RELEVANT_FIELDS & vals.keys()
        edited = self.filtered(lambda o: o.state in CONFIRMED) - confirmed
        if changed and edited:
            labels = ", ".join(sorted(self._fields[name].get_description(self.env)["string"] for name in changed))
            edited.sudo()._xero_queue_upsert(note=queueing.stamp(self.env, self.env._("Changed")) + ": " + labels)
        return res

    def unlink(self):
        """A deleted (cancelled) order whose deletion in Xero waits keeps the id it needs on that row."""
        self.check_access("unlink")
        queueing.keep_references(self.sudo())
        return super().unlink()

    # ------------------------------------------------------------ user actions
    def action_xero_open_queue(self):
        """Smart button: this order's actions towards Xero."""
        self.ensure_one()
        actions.check_user(self.env)
        action = self.env["ir.actions.act_window"]._for_xml_id("account_xero.action_xero_queue")
        action.update({"domain": [("purchase_id", "=", self.id)], "context": {"create": False}})
        return action

    def action_xero_send(self):
        """"Send to Xero": queue the selected orders and send them now (see
        :func:`..sync.actions.send_selection` for what is skipped)."""
        return actions.send_selection(self, "documents")

    def action_xero_export_attachments(self):
        """"Export attachments to Xero": the files of the selected orders in Xero."""
        return actions.send_selection(self, "attachments")
