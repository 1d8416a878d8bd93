"""Purchase orders exactly once, whatever goes wrong: a lost answer, a
process stopped between "sending" and "bound", an expired key — 0
duplicates in Xero, every body checked against Xero's spec."""

from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from odoo.addons.account_xero.services.errors import XeroError

from .common_purchase import XeroPurchaseCase
from .faults import CrashAfterCall, CrashBeforeCall, FaultsMixin


@tagged("post_install", "-at_install")
class TestPurchaseOrderFaults(FaultsMixin, XeroPurchaseCase):

    def orders(self):
        return (self.xero_po(lines=[{"price": 100.0}])
                | self.xero_po(lines=[{"price": 250.0, "quantity": 2}])
                | self.xero_po(partner=self.partner_a, lines=[{"price": 12.5, "quantity": 8}]))

    def assertExactlyOnce(self, orders):
        numbers = self.xero_orders()
        for order in orders:
            self.assertEqual(order.xero_state, "sent", f"{order.name}: {order.xero_message}")
            self.assertEqual(len(numbers.get(order.name, [])), 1, f"{order.name} in Xero once")
            self.xero_order(order)  # the bound one
        self.assertEqual(len(self.xero_tenant()["PurchaseOrders"]), len(orders), "nothing else there")

    def routes(self):
        return self.emulator.counters()[self.connection.tenant_id]["calls_by_route"]

    def test_lost_answer_is_replayed_with_the_same_key(self):
        orders = self.orders()
        self.emulator.inject_fault("drop_after_commit", count=1, method="PUT", path=r"/PurchaseOrders$")
        run = self.xero_sync(client=self.client())
        self.assertEqual(run.state, "done", run.message)
        self.assertExactlyOnce(orders)
        self.assertEqual(self.routes()["PUT /PurchaseOrders"], 2, "the replay got Xero's stored answer")

    def test_answer_lost_for_the_whole_run_is_replayed_by_the_next(self):
        orders = self.orders()
        self.emulator.inject_fault("drop_after_commit", count=6, method="PUT", path=r"/PurchaseOrders$")
        run = self.xero_sync(client=self.client())
        self.assertEqual(run.state, "partial")
        self.assertEqual(set(orders.mapped("xero_state")), {"sending"})
        self.assertEqual(len(self.xero_tenant()["PurchaseOrders"]), 3, "Xero committed them once")
        self.xero_sync(client=self.client())
        self.assertExactlyOnce(orders)

    def test_process_killed_between_sending_and_bound(self):
        orders = self.orders()
        self.crash(self.client(CrashAfterCall, crash_on="create_purchase_orders"))
        self.assertEqual(set(orders.mapped("xero_state")), {"sending"})
        self.assertFalse(any(orders.mapped("xero_id")))
        self.assertEqual(len(self.xero_tenant()["PurchaseOrders"]), 3)
        run = self.xero_sync()
        self.assertEqual(run.state, "done", run.message)
        self.assertExactlyOnce(orders)
        self.assertEqual(self.routes()["PUT /PurchaseOrders"], 2)

    def test_key_expired_orders_are_found_not_created_again(self):
        """After 24 hours Xero forgets the key: the orders are listed by date
        and changed-since (the endpoint has no ``where``), matched on number,
        vendor and total, and bound without a new PUT."""
        orders = self.orders()
        self.crash(self.client(CrashAfterCall, crash_on="create_purchase_orders"))
        orders.xero_queue_ids.sudo().write({"sending_since": fields.Datetime.now() - timedelta(days=2)})
        self.a_day_later()
        run = self.xero_sync()
        self.assertEqual(run.state, "done", run.message)
        self.assertExactlyOnce(orders)
        routes = self.routes()
        self.assertEqual((routes["PUT /PurchaseOrders"], routes["GET /PurchaseOrders"]), (1, 1),
                         "one look-up, nothing created twice")

    def test_key_expired_and_never_arrived_is_sent_again(self):
        orders = self.orders()
        self.crash(self.client(CrashBeforeCall, crash_on="create_purchase_orders"))
        self.assertFalse(self.xero_tenant().get("PurchaseOrders"))
        orders.xero_queue_ids.sudo().write({"sending_since": fields.Datetime.now() - timedelta(days=2)})
        self.a_day_later()
        run = self.xero_sync()
        self.assertEqual(run.state, "done", run.message)
        self.assertExactlyOnce(orders)

    def test_killed_while_deleting_is_done_once(self):
        order = self.xero_po()
        self.xero_sync()
        order.button_cancel()
        self.crash(self.client(CrashAfterCall, crash_on="update_or_create_purchase_orders"))
        self.assertEqual(self.xero_order(order)["Status"], "DELETED")
        order.xero_queue_ids.sudo().write({"sending_since": fields.Datetime.now() - timedelta(days=2)})
        self.a_day_later()
        run = self.xero_sync()
        self.assertEqual(run.state, "done", run.message)
        self.assertEqual((order.xero_state, order.xero_remote_status), ("sent", "DELETED"))

    def test_the_validating_emulator_catches_what_the_spec_does_not_allow(self):
        """The PO tests' emulator does check bodies: a status Xero's spec does not list is a violation."""
        self.connection._xero_client().accounting("get_purchase_orders", status="DRAFT")
        self.assertFalse(self.emulator.spec_violations())
        with self.assertRaises(XeroError):
            self.connection._xero_client().accounting("create_purchase_orders", {"PurchaseOrders": [
                {"Contact": {"ContactID": "not-a-guid"}, "Status": "BOGUS", "LineItems": []}]})
        self.assertTrue(self.emulator.spec_violations(), "the request body broke the spec and was caught")
        self.emulator.clear_spec_violations()
