"""Purchase orders to Xero, end to end over HTTP, every body checked
against Xero's spec: confirm, each status setting, revision, cancel,
confirm again, billed, out of scope, a batch of bad orders."""

from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common_purchase import XeroPurchaseCase


@tagged("post_install", "-at_install")
class TestPurchaseOrderExport(XeroPurchaseCase):

    def sent(self, order):
        self.assertEqual(order.xero_state, "sent", order.xero_message)
        return self.xero_order(order)

    # ------------------------------------------------------------ confirm
    def test_confirmed_order_is_sent_with_the_chosen_status(self):
        order = self.xero_po(partner_ref="Q-2231", lines=[
            {"price": 120.0, "quantity": 3, "discount": 10.0},
            {"product": self.product_b, "price": 45.5, "quantity": 2},
        ])
        self.assertEqual(order.xero_state, "waiting", "confirming queues it")
        run = self.xero_sync()
        self.assertEqual(run.state, "done", run.message)
        doc = self.sent(order)
        self.assertEqual((doc["PurchaseOrderNumber"], doc["Status"], doc["Reference"]),
                         (order.name, "AUTHORISED", "Q-2231"))
        self.assertEqual(doc["Total"], order.amount_total)
        self.assertEqual([line["AccountCode"] for line in doc["LineItems"]], ["429", "310"])
        self.assertEqual(order.xero_remote_status, "AUTHORISED")
        self.assertEqual(doc["ExpectedArrivalDate"][:0], "")
        self.assertIn("In Xero as purchase order", order.message_ids[0].body)

    def test_each_status_setting(self):
        for status in ("DRAFT", "SUBMITTED", "AUTHORISED"):
            with self.subTest(status=status):
                self.connection.po_status = status
                order = self.xero_po()
                self.xero_sync()
                self.assertEqual(self.sent(order)["Status"], status)
                self.assertEqual(order.xero_remote_status, status)

    def test_order_before_the_start_date_or_with_the_type_off_is_not_sent(self):
        self.connection.import_start_date = fields.Date.today() + timedelta(days=1)
        early = self.xero_po()
        self.assertEqual(early.xero_state, "none", "not queued")
        self.connection.import_start_date = "2019-01-01"
        self.connection.send_purchase_orders = False
        off = self.xero_po()
        self.assertEqual(off.xero_state, "none", "not queued")
        result = off.action_xero_send()
        self.assertIn("purchase orders are turned off", result["params"]["message"])
        self.assertFalse(self.xero_tenant().get("PurchaseOrders"))

    # ------------------------------------------------------------ revision, cancel, confirm again
    def test_revision_updates_the_same_order_and_keeps_its_approval_in_xero(self):
        self.connection.po_status = "DRAFT"
        order = self.xero_po(lines=[{"price": 100.0, "quantity": 2}])
        self.xero_sync()
        xero_id = order.xero_id
        self.assertEqual(self.sent(order)["Status"], "DRAFT")
        self.xero_set_status(order, "AUTHORISED")  # the buyer's manager approves it in Xero
        order.write({"order_line": [(1, order.order_line.id, {"product_qty": 5})], "partner_ref": "REV-2"})
        self.assertEqual(order.xero_state, "waiting", "a change Xero shows queues an update")
        run = self.xero_sync()
        self.assertEqual(run.state, "done", run.message)
        doc = self.sent(order)
        self.assertEqual(order.xero_id, xero_id, "the same Xero purchase order")
        self.assertEqual((doc["Status"], doc["LineItems"][0]["Quantity"], doc["Reference"]),
                         ("AUTHORISED", 5.0, "REV-2"))
        self.assertEqual(order.xero_remote_status, "AUTHORISED")
        self.assertEqual(len(self.xero_orders()[order.name]), 1)
        routes = self.emulator.counters()[self.connection.tenant_id]["calls_by_route"]
        self.assertEqual(routes.get("GET /PurchaseOrders/{PurchaseOrderID}"), 1, "its status was read first")

    def test_many_revisions_read_the_statuses_in_one_list(self):
        """More than a few orders to read: the orders changed in Xero since the
        oldest was sent, in one listing, instead of one read each."""
        self.connection.po_status = "SUBMITTED"
        orders = [self.xero_po(lines=[{"price": 10.0 * (i + 1)}]) for i in range(7)]
        self.xero_sync()
        for order in orders[:2]:
            self.xero_set_status(order, "AUTHORISED")
        for order in orders:
            order.partner_ref = f"REV-{order.id}"
        before = dict(self.emulator.counters()[self.connection.tenant_id]["calls_by_route"])
        run = self.xero_sync()
        self.assertEqual(run.state, "done", run.message)
        after = self.emulator.counters()[self.connection.tenant_id]["calls_by_route"]
        self.assertEqual(after["GET /PurchaseOrders"] - before.get("GET /PurchaseOrders", 0), 1)
        self.assertEqual([self.xero_order(o)["Status"] for o in orders], ["AUTHORISED"] * 2 + ["SUBMITTED"] * 5)

    def test_unchanged_or_irrelevant_change_sends_nothing(self):
        order = self.xero_po()
        self.xero_sync()
        order.write({"priority": "1"})
        self.assertEqual(order.xero_state, "sent")
        self.assertFalse(order.xero_queue_ids.filtered(lambda r: r.state == "waiting"))

    def test_cancel_deletes_it_in_xero_and_confirming_again_makes_a_new_one(self):
        order = self.xero_po()
        self.xero_sync()
        first_id = order.xero_id
        order.button_cancel()
        self.assertEqual(order.xero_state, "waiting")
        self.xero_sync()
        self.assertEqual(self.xero_order(order)["Status"], "DELETED")
        self.assertEqual((order.xero_state, order.xero_remote_status), ("sent", "DELETED"))
        order.button_draft()
        order.button_confirm()
        run = self.xero_sync()
        self.assertEqual(run.state, "done", run.message)
        self.assertNotEqual(order.xero_id, first_id, "a new Xero purchase order")
        self.assertEqual(self.sent(order)["Status"], "AUTHORISED")
        self.assertEqual(self.xero_order(order, first_id)["Status"], "DELETED", "the deleted one stays as it is")
        self.assertEqual(sorted(d["Status"] for d in self.xero_orders()[order.name]), ["AUTHORISED", "DELETED"])
        self.assertIn(first_id, order.message_ids[0].body, "the chatter says so")

    def test_confirmed_again_before_the_delete_left_keeps_it(self):
        order = self.xero_po()
        self.xero_sync()
        order.button_cancel()
        order.button_draft()
        order.button_confirm()
        self.xero_sync()
        self.assertEqual(self.sent(order)["Status"], "AUTHORISED")
        self.assertEqual(len(self.xero_orders()[order.name]), 1, "never deleted")

    # ------------------------------------------------------------ billed
    def test_fully_billed_order_is_billed_in_xero_and_stays_so(self):
        order = self.xero_po(lines=[{"price": 80.0, "quantity": 3}])
        self.xero_sync()
        bill = self.xero_bill_from(order, quantities=[2])
        self.xero_sync()
        self.assertEqual(self.sent(order)["Status"], "AUTHORISED", "billed in part: still approved")
        bill2 = self.xero_bill_from(order, ref="SUP-INV-2")
        self.assertEqual(order.xero_state, "waiting", "the bill that completes it queues it")
        run = self.xero_sync()
        self.assertEqual(run.state, "done", run.message)
        self.assertEqual((self.sent(order)["Status"], order.xero_remote_status), ("BILLED", "BILLED"))
        doc = self.xero_doc(bill2)
        self.assertEqual(doc["InvoiceNumber"], f"SUP-INV-2 / {order.name}", "matched to its order in Xero")
        self.assertEqual(self.xero_doc(bill)["InvoiceNumber"], f"SUP-INV-1 / {order.name}")
        bill2.button_draft()
        order.write({"partner_ref": "AFTER"})
        self.xero_sync()
        self.assertEqual(self.xero_order(order)["Status"], "BILLED", "billed stays billed")
        self.assertIn("billed in Xero", order.xero_message)

    def test_billed_while_xero_still_has_it_to_approve(self):
        self.connection.po_status = "SUBMITTED"
        order = self.xero_po()
        self.xero_sync()
        self.xero_bill_from(order)
        before = self.emulator.counters()[self.connection.tenant_id]["calls_by_route"].get("POST /PurchaseOrders", 0)
        self.xero_sync()
        self.assertEqual(self.xero_order(order)["Status"], "BILLED")
        after = self.emulator.counters()[self.connection.tenant_id]["calls_by_route"]["POST /PurchaseOrders"]
        self.assertEqual(after - before, 2, "approved first (Xero bills approved orders only), then billed")
        self.assertEqual(order.xero_remote_status, "BILLED")

    # ------------------------------------------------------------ a bad batch
    def test_ten_bad_orders_in_one_batch_each_its_message_the_rest_sent(self):
        company = self.env.company
        chf = self.setup_other_currency("CHF", rates=[("2019-01-01", 0.9)])
        unmapped_tax = self.tax_purchase_a.copy({"name": "Unmapped 7%", "amount": 7})
        included = self.tax_purchase_a.copy({"name": "Included 15%", "price_include_override": "tax_included"})
        odd_account = self.env["account.account"].create({"code": "699001", "name": "Odd", "account_type": "expense"})
        odd_product = self.env["product.product"].create({"name": "Odd product",
                                                          "property_account_expense_id": odd_account.id})
        archived = self.env["res.partner"].create({"name": "Archived Vendor Ltd", "is_company": True})
        archived.sudo().with_company(company).write({"xero_contact_id": "9a9a9a9a-0000-4000-8000-000000000001",
                                                     "xero_contact_status": "ARCHIVED"})
        north, south = self.analytic[("Region", "North")], self.analytic[("Region", "South")]
        self.env.ref("product.decimal_price").digits = 4  # unit prices Xero cannot take on a purchase order
        taken = self.xero_po(confirm=False)
        self.connection._xero_client().accounting("create_purchase_orders", {"PurchaseOrders": [{
            "Contact": {"ContactID": self.xero_tenant()["Contacts"][0]["ContactID"]},
            "PurchaseOrderNumber": taken.name, "LineItems": [{"Description": "x", "Quantity": 1, "UnitAmount": 1,
                                                             "AccountCode": "429"}]}]})
        good = [self.xero_po(lines=[{"price": 10.0 * i}]) for i in range(1, 4)]
        bad = {
            "tax": self.xero_po(lines=[{"price": 50.0, "taxes": unmapped_tax}]),
            "account": self.xero_po(lines=[{"price": 50.0, "product": odd_product}]),
            "archived": self.xero_po(partner=archived),
            "currency": self.xero_po(currency_id=chf.id),
            "decimals": self.xero_po(lines=[{"price": 1.235, "quantity": 100}]),
            "mixed": self.xero_po(lines=[{"price": 50.0}, {"price": 50.0, "taxes": included}]),
            "split": self.xero_po(lines=[{"price": 50.0, "analytic": {str(north.id): 50.0, str(south.id): 50.0}}]),
            "negative": self.xero_po(lines=[{"price": 50.0, "quantity": -1}]),
            "empty": self.xero_po(lines=[]),
        }
        taken.button_confirm()
        bad["taken"] = taken
        run = self.xero_sync()
        self.assertEqual(run.state, "partial", run.message)
        for order in good:
            self.assertEqual(self.sent(order)["Total"], order.amount_total)
        expected = {
            "tax": "Unmapped 7%", "account": "699001", "archived": "archived", "currency": "currency CHF of",
            "decimals": "2 decimals", "mixed": "mixes tax-included and tax-excluded", "split": "splits",
            "negative": "Quantity must not be less than zero", "empty": "no lines", "taken": "already has a purchase "
            "order numbered",
        }
        messages = set()
        for key, order in bad.items():
            with self.subTest(case=key):
                self.assertEqual(order.xero_state, "failed", f"{key}: {order.xero_message}")
                self.assertIn(expected[key], order.xero_message)
                messages.add(order.xero_message)
        self.assertEqual(len(messages), 10, "each its own message")
        numbers = self.xero_orders()
        self.assertFalse([key for key, order in bad.items() if key != "taken" and order.name in numbers])
        self.assertEqual(len(numbers[taken.name]), 1, "the order already in Xero is left alone")
        routes = self.emulator.counters()[self.connection.tenant_id]["calls_by_route"]
        self.assertEqual(routes.get("PUT /PurchaseOrders"), 2, "the one made above, and one batch")

    # ------------------------------------------------------------ history notes, preview
    def test_history_note_when_history_notes_are_on(self):
        self.connection.contact_history = True
        order = self.xero_po()
        self.xero_sync()
        history = self.connection._xero_client().accounting("get_purchase_order_history", order.xero_id).data
        details = [h["Details"] for h in history["HistoryRecords"]]
        self.assertTrue(any(d.startswith(f"Approved in Odoo by {self.env.user.name}") for d in details), details)

    def test_preview_shows_what_the_next_send_does(self):
        self.connection.po_status = "SUBMITTED"
        order = self.xero_po(lines=[{"price": 70.0}])
        wizard = self.env["xero.dry.run"].browse(self.connection.action_xero_dry_run()["res_id"])
        line = wizard.line_ids.filtered(lambda ln: ln.res_model == "purchase.order")
        self.assertEqual(line.outcome, "create")
        self.assertIn(f"Purchase order {order.name} (SUBMITTED)", line.message)
        self.assertFalse(self.xero_tenant().get("PurchaseOrders"), "nothing was sent")
