"""A browser tour: confirm a purchase order, "Send data now" on the Xero
dashboard, and see it sent with its status in Xero."""

from odoo.tests import tagged

from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon

from .common import XeroMixin, get_emulator
from .common_export import XeroExportMixin
from .common_purchase import XeroPurchaseMixin


@tagged("post_install", "-at_install")
class TestTourPurchaseOrder(XeroPurchaseMixin, XeroExportMixin, XeroMixin, AccountTestInvoicingHttpCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.emulator = get_emulator(validate=True)
        cls.emulator.reset()
        cls.connection = cls.xero_connect(cls.env.company)
        cls.xero_setup_export(base_url=None)
        cls.connection.write({"send_purchase_orders": True, "po_status": "AUTHORISED"})

    def test_po_send_tour(self):
        self.env.user.write({"groups_id": [(4, self.env.ref("purchase.group_purchase_manager").id)]})
        order = self.xero_po(confirm=False, partner_ref="TOUR-PO", lines=[{"price": 480.0, "quantity": 2}])
        self.start_tour(f"/odoo/action-purchase.purchase_rfq/{order.id}", "xero_po_send_tour",
                        login=self.env.user.login)
        self.env.invalidate_all()
        self.assertEqual((order.state, order.xero_state, order.xero_remote_status), ("purchase", "sent", "AUTHORISED"))
        doc = self.xero_order(order)
        self.assertEqual((doc["PurchaseOrderNumber"], doc["Total"], doc["Reference"]), (order.name, 1104.0, "TOUR-PO"))
        self.assertSpecRespected()
