"""Purchase orders → Xero (queue actions ``upsert`` and ``delete``).

* prepare — before a run's first batch, the vendors of the orders it will
  send that are not in Xero yet are created (or linked) in full requests of
  50, as for bills;
* dependencies — per batch, the vendors again (a refused one fails only its
  orders), and the status in Xero of the orders whose update would send a
  status below "approved" (:func:`target_status`): read first, so that an
  approval made in Xero is never undone (Xero sends no webhook for purchase
  orders, so what Xero last answered may be old);
* build — a new order by ``PUT`` (create only), an order in Xero by ``POST``
  with its id, ``DELETED`` for a cancelled one; skipped with its reason: out
  of scope, unchanged, billed in Xero (Xero takes no change after BILLED);
  refused before any call: a currency the organisation has not enabled (one
  read of its currencies per run, only when an order is in a foreign
  currency) and everything the mapper refuses;
* bind — ids through the binder, version sent and Xero's status in one
  statement per answer; an order billed in full while Xero still had it to
  approve gets a follow-up row (Xero bills approved orders only); its files
  and its history note follow when those are on;
* lookup — a request whose key Xero forgot: the endpoint has no ``where``,
  so orders are listed by date and "changed since the request" and matched
  on number, vendor and total (a stale update or delete is checked by id).
"""

from datetime import timedelta

from odoo import fields
from odoo.tools import SQL, split_every

from ...services.errors import XeroMappingError, XeroNotFoundError
from ...services.mappers import purchase_order as mapper
from ..exporter import Exporter
from .contact import ContactExporter, HistoryExporter
from .document import PREPARE_CHUNK, make_resolver
from .document_notes import explain_refusals, log_outcomes

#: this addon's own columns on purchase_order written when an order is sent
SENT_FIELDS = ("xero_hash", "xero_sent_date", "xero_remote_status", "xero_remote_checked")
#: statuses read one order at a time up to this many per batch, by listing beyond
STATUS_READS_BY_ID = 5
#: an action waiting for its order's own request to finish looks again after this
WAIT_FOR_ORDER = timedelta(minutes=10)
#: Xero's clock and ours may differ: "changed since" looks this much earlier
CLOCK_MARGIN = timedelta(hours=1)


def make_purchase_resolver(env, connection):
    """A :class:`~...services.mappers.purchase_order.PurchaseResolver` over
    the mappings of ``connection``: the invoice resolver, the expense
    account of a line (its product's, through the order's fiscal position;
    else the purchase journal's) and the item code of a product bound to a
    Xero item."""
    base = make_resolver(env, connection)
    company = connection.company_id
    binder = env["xero.binder"]
    journal = env["account.journal"].sudo().search([("type", "=", "purchase"), ("company_id", "=", company.id)],
                                                   limit=1)
    accounts = {}

    def expense_account(line):
        order = line.order_id
        key = (line.product_id.id, order.fiscal_position_id.id)
        if key not in accounts:
            account = False
            if line.product_id:
                account = line.product_id.product_tmpl_id.with_company(company).get_product_accounts(
                    fiscal_pos=order.fiscal_position_id).get("expense")
            accounts[key] = account or journal.default_account_id
        if not accounts[key]:
            raise XeroMappingError(env._(
                "%(order)s: the line \"%(line)s\" has no expense account. Set one on its product or product "
                "category, then retry.", order=order.display_name, line=(line.name or "")[:60]))
        return accounts[key]

    def item_code(product):
        return product.default_code if product.default_code and binder._to_xero(product, company) else None

    return mapper.PurchaseResolver(account_code=base.account_code, tax_type=base.tax_type, tax_rate=base.tax_rate,
                                   tracking=base.tracking, expense_account=expense_account, item_code=item_code)


def target_status(order, connection):
    """The status to send: BILLED for an order billed in full that Xero has
    approved (approved first otherwise: Xero bills approved orders only);
    else the connection's setting, never below what Xero last answered."""
    current = order.xero_remote_status if order._xero_live_id() else None
    if mapper.fully_billed(order):
        return "BILLED" if current in ("AUTHORISED", "BILLED") else "AUTHORISED"
    wanted = connection.po_status or "AUTHORISED"
    if current in mapper.STATUS_ORDER and mapper.STATUS_ORDER[current] > mapper.STATUS_ORDER[wanted]:
        return current
    return wanted


def plan_purchase_order(order, connection, resolver, contact_id, source_hash=None):
    """What sending ``order`` would do, without writing anything:
    ``(outcome, message, element)`` with outcome ``skip`` (message says
    why), ``create`` or ``update``. Raises :class:`XeroMappingError`."""
    env = order.env
    reason = order._xero_skip_reason(connection)
    if reason:
        return "skip", reason, None
    live_id = order._xero_live_id()
    status = target_status(order, connection)
    source_hash = source_hash or order._xero_source_hash()
    if live_id and order.xero_hash == source_hash and order.xero_remote_status == status:
        return "skip", env._("Unchanged since it was sent to Xero on %(date)s: nothing to send.",
                             date=order.xero_sent_date or "?"), None
    if live_id and order.xero_remote_status == "BILLED":
        return "skip", env._("%(order)s is billed in Xero, which takes no more changes to it: it stays as it is "
                             "there.", order=order.display_name), None
    if not contact_id:
        raise XeroMappingError(env._("The vendor %(partner)s is not in Xero yet and could not be created.",
                                     partner=order.partner_id.commercial_partner_id.display_name))

    def rounding_code():
        account = connection.rounding_account_id
        return resolver.account_code(account) if account else None

    element = mapper.build_purchase_order(order, resolver, mapper.PurchaseOptions(
        contact_id=contact_id, status=status, rounding_code=rounding_code, xero_id=live_id))
    return ("update" if live_id else "create"), None, element


def plan_removal(order):
    """``(outcome, message)`` of deleting a cancelled order in Xero: ``skip``,
    ``wait`` (its own request is in flight) or ``send``."""
    env = order.env
    if order.state != "cancel":
        return "skip", env._("Confirmed again in Odoo: it stays in Xero and is updated instead.")
    if not order._xero_live_id():
        if order.xero_queue_ids.filtered(lambda r: r.action == "upsert" and r.state == "sending"):
            return "wait", env._("Waits for the order's own request to Xero to finish.")
        return "skip", env._("Not in Xero: nothing to delete there.")
    if order.xero_remote_status == "BILLED":
        return "skip", env._("Billed in Xero, where it stays: Xero cannot delete a billed purchase order.")
    return "send", None


class PurchaseOrderExporter(Exporter):
    name = "purchase_order"
    model = "purchase.order"
    actions = ("upsert", "delete")
    xero_object = "purchase_order"

    def __init__(self, ctx):
        super().__init__(ctx)
        self.resolver = make_purchase_resolver(self.env, self.connection)
        self.contact_errors = {}
        self.currencies = None
        self.notes = {}
        self.follow_ups = self.env["purchase.order"]

    def order(self, row):
        return row.purchase_id or self.env["purchase.order"].sudo().browse(row.res_id).exists()

    def _contacts(self):
        return ContactExporter(self.ctx)

    def _to_send(self, orders):
        return orders.filtered(lambda o: not o._xero_skip_reason(self.connection))

    # ------------------------------------------------------------ steps
    def prepare(self, limit):
        """The vendors of the first ``limit`` due orders, made available in
        Xero in full requests (orders not sent and bound vendors skipped)."""
        partner_ids = set()
        for chunk in split_every(PREPARE_CHUNK, self.due_rows("upsert", limit)):
            orders = self.env["xero.queue"].sudo().browse(chunk).purchase_id
            partner_ids.update(self._to_send(orders).partner_id.commercial_partner_id.ids)
            self.env.invalidate_all()
        partners = self.env["res.partner"].sudo().with_company(self.company).browse(sorted(partner_ids))
        partners = partners.filtered(lambda p: not p.xero_contact_id)
        if partners:
            self._contacts().ensure(partners)

    def dependencies(self, rows):
        orders = self._to_send(rows.filtered(lambda r: r.action == "upsert").purchase_id)
        if orders.partner_id:
            self.contact_errors = self._contacts().ensure(orders.partner_id.commercial_partner_id)
        low = orders.filtered(lambda o: o._xero_live_id() and o.xero_remote_status in ("DRAFT", "SUBMITTED")
                              and target_status(o, self.connection) in ("DRAFT", "SUBMITTED"))
        if low:
            self.refresh_statuses(low)
        return {}

    def refresh_statuses(self, orders):
        """Store the status Xero has now of these orders: one read each, or
        the list of orders changed since the oldest was sent."""
        by_id = {order.xero_id: order for order in orders}
        found = []
        if len(by_id) <= STATUS_READS_BY_ID:
            for xero_id in by_id:
                try:
                    found.append(self.api.purchase_order(xero_id))
                except XeroNotFoundError:
                    continue  # gone from Xero: sent as it is, Xero says what it thinks of it
        else:
            oldest = min(filter(None, orders.mapped("xero_sent_date")), default=fields.Datetime.now())
            found = self.api.purchase_orders_changed(oldest - CLOCK_MARGIN)
        for element in filter(None, found):
            order = by_id.get(element.get("PurchaseOrderID"))
            if order and element.get("Status"):
                order.sudo().with_context(xero_no_queue=True).write({
                    "xero_remote_status": element["Status"], "xero_remote_checked": fields.Datetime.now()})

    def _check_currency(self, order):
        if order.currency_id == self.company.currency_id:
            return
        if self.currencies is None:
            self.currencies = set(self.api.currencies())
        if order.currency_id.name not in self.currencies:
            raise XeroMappingError(self.env._(
                "The currency %(currency)s of %(order)s is not enabled in your Xero organisation: add it in Xero "
                "(Settings ▸ Currencies), then retry.", currency=order.currency_id.name, order=order.display_name))

    def build(self, row):
        order = self.order(row)
        if not order:
            xero_id = (row.xero_ref or {}).get("xero_id")
            if row.action == "delete" and xero_id:  # cancelled, then deleted in Odoo before it left
                return "purchase_orders.status", mapper.status_element(xero_id, "DELETED")
            row._xero_skip(self.run, self.xero_object, self.env._("The purchase order was deleted in Odoo."))
            return None
        if row.action == "delete":
            return self.build_removal(row, order)
        partner = order.partner_id.commercial_partner_id
        if partner.id in self.contact_errors:
            raise XeroMappingError(self.contact_errors[partner.id])
        source_hash = order._xero_source_hash()
        contact_id = self.binder._to_xero(partner, self.company)
        outcome, message, element = plan_purchase_order(order, self.connection, self.resolver, contact_id,
                                                        source_hash)
        if outcome == "skip":
            row._xero_skip(self.run, self.xero_object, message)
            return None
        self._check_currency(order)
        if row.payload_hash != source_hash:
            row.payload_hash = source_hash
        return f"purchase_orders.{outcome}", element

    def build_removal(self, row, order):
        outcome, message = plan_removal(order)
        if outcome == "skip":
            row._xero_skip(self.run, self.xero_object, message)
            return None
        if outcome == "wait":
            row.write({"next_attempt": fields.Datetime.now() + WAIT_FOR_ORDER, "message": message})
            return None
        return "purchase_orders.status", mapper.status_element(order.xero_id, "DELETED")

    def bind(self, pairs):
        """Bind and record the orders Xero accepted in one answer (see the module doc)."""
        env, now = self.env, fields.Datetime.now()
        xero_ids, values, outcomes = {}, [], []
        for row, element in pairs:
            order = self.order(row)
            xero_id, status = element.get("PurchaseOrderID"), (element.get("Status") or "").upper() or None
            number = element.get("PurchaseOrderNumber") or order.name or row.record_name
            if row.action == "delete":
                message = env._("Deleted in Xero (%(number)s).", number=number)
                if order:
                    values.append(SQL("(%s, NULL, %s)", order.id, status))
            else:
                message = env._("In Xero as purchase order %(number)s (%(status)s).", number=number, status=status)
                if order.xero_id and order.xero_id != xero_id:
                    message += " " + env._("A new purchase order in Xero: the one deleted there before (%(old)s) "
                                           "stays as it is.", old=order.xero_id)
                if mapper.instructions(order)[1]:
                    message += " " + env._("Its terms are longer than the %(max)s characters Xero keeps: they are "
                                           "cut there.", max=mapper.MAX_INSTRUCTIONS)
                if status == "AUTHORISED" and mapper.fully_billed(order):
                    self.follow_ups |= order  # approved now, billed by the next batch
                values.append(SQL("(%s, %s, %s)", order.id, row.payload_hash, status))
                xero_ids[order.id] = xero_id
            outcomes.append((row, xero_id, message))
            if order:
                self.notes[order.id] = message
        if values:
            orders = env["purchase.order"].sudo().browse([row.res_id for row, _e in pairs]).exists()
            orders.flush_recordset(list(SENT_FIELDS))
            env.cr.execute(SQL(
                "UPDATE purchase_order AS o SET xero_hash = v.hash, xero_sent_date = %s, xero_remote_status = "
                "v.status, xero_remote_checked = %s FROM (VALUES %s) AS v(id, hash, status) WHERE o.id = v.id",
                now, now, SQL(", ").join(values)))
            orders.invalidate_recordset(list(SENT_FIELDS))
            orders.modified(list(SENT_FIELDS))
        self.binder._bind_many("purchase.order", xero_ids, self.company)
        env["xero.queue"]._xero_succeed_many(self.run, self.xero_object, outcomes)
        self.after_sent([row for row, _element in pairs if row.action == "upsert"])

    def after_sent(self, rows):
        """History notes (when on) and files (when exported) of the orders just sent."""
        Queue = self.env["xero.queue"].sudo()
        for row in rows:
            if row.xero_history_note and self.connection.contact_history:
                Queue._xero_enqueue(self.connection, self.order(row), action="history", xero_id=row.xero_id,
                                    xero_history_note=row.xero_history_note)
        orders = self.env["purchase.order"].browse([row.res_id for row in rows])
        if self.connection.export_attachments and orders:
            with_files = orders._xero_with_attachments()
            if with_files:
                with_files._xero_queue_attachments(only_when_enabled=True)

    def explain(self, row, messages):
        order = self.order(row)
        if any("must be unique" in text.lower() for text in messages):
            return self.env._(
                "Xero already has a purchase order numbered %(number)s that was not sent from this one. Give one "
                "of them another number, then retry.", number=order.name)
        return explain_refusals(order, messages)

    def lookup(self, request, pairs):
        """Find in Xero the orders of a stale request (see the module doc)."""
        found = {}
        created = [(row, sent) for row, sent in pairs if not sent.get("PurchaseOrderID")]
        for row, sent in pairs:
            if sent.get("PurchaseOrderID") and row.action == "delete":
                current = self._by_id(sent["PurchaseOrderID"])
                if current and current.get("Status") == "DELETED":
                    found[row.id] = current
        if not created:
            return found
        dates = sorted(sent["Date"] for _row, sent in created)
        since = (request.sent_at or fields.Datetime.now()) - CLOCK_MARGIN
        candidates = self.api.purchase_orders_changed(since, date_from=dates[0], date_to=dates[-1])
        return {**found, **self.match(created, candidates, "PurchaseOrderID", _same)}

    def _by_id(self, xero_id):
        try:
            return self.api.purchase_order(xero_id)
        except XeroNotFoundError:
            return None

    def finish(self, rows):
        rows = rows.exists()
        try:
            if self.follow_ups:
                self.follow_ups._xero_queue_upsert(force=True)
        finally:
            log_outcomes(self.env, rows, self.notes)


def _same(candidate, sent):
    """Whether a Xero purchase order is the one ``sent`` (number, vendor, total)."""
    return bool(candidate.get("PurchaseOrderNumber") == sent.get("PurchaseOrderNumber")
                and (candidate.get("Contact") or {}).get("ContactID") == sent["Contact"].get("ContactID")
                and round(float(candidate.get("Total") or 0), 2) == round(float(sent.get("Total") or 0), 2))


class PurchaseOrderHistoryExporter(HistoryExporter):
    """The history note of an order sent ("Approved in Odoo by …", "Changed
    in Odoo by …: …"), when history notes are on: one call per note."""

    name = "purchase_order_history"
    model = "purchase.order"
    xero_object = "purchase_order"
    operation = "purchase_orders.history"

    def history(self, xero_id):
        return self.api.purchase_order_history(xero_id)
