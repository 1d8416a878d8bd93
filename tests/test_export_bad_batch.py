"""Acceptance 4: five bad documents in a batch do not stop the others, and
each gets a message a bookkeeper can act on."""

from odoo.tests import tagged

from .common_export import XeroExportCase


@tagged("post_install", "-at_install")
class TestExportBadBatch(XeroExportCase):

    def test_five_bad_documents_in_one_batch(self):
        self.connection.write({"alert_mode": "email", "alert_emails": "books@example.com"})
        good = [self.xero_move("out_invoice", lines=[{"price": 100.0 + i}]) for i in range(3)]
        good.append(self.xero_move("in_invoice", partner=self.partner_b, ref="GOOD-BILL"))

        # 1. missing mapping: an Odoo account with no Xero account
        unmapped = self.company_data["default_account_revenue"].copy({"code": "400777", "name": "Unmapped sales"})
        missing_mapping = self.xero_move("out_invoice", lines=[{"price": 10.0, "account": unmapped}])
        # 2. unknown tax: an Odoo tax mapped to no Xero tax rate
        tax = self.tax_sale_a.copy({"name": "Local levy 15%"})
        unknown_tax = self.xero_move("out_invoice", lines=[{"price": 10.0, "taxes": tax}])
        # 3. archived contact: the partner is linked to Xero's archived "Old Partner Ltd"
        client = self.connection._xero_client()
        old = client.accounting("get_contacts", where='Name=="Old Partner Ltd"', include_archived=True)
        old_partner = self.env["res.partner"].create({"name": "Old Partner Ltd", "is_company": True})
        self.env["xero.binder"]._bind(old_partner, old.data["Contacts"][0]["ContactID"], self.env.company)
        archived_contact = self.xero_move("in_invoice", partner=old_partner, ref="OLD-1")
        # 4. a currency the Xero organisation does not use
        chf = self.setup_other_currency("CHF", rates=[("2019-01-01", 0.9)])
        disabled_currency = self.xero_move("out_invoice", currency_id=chf.id)
        # 5. a number Xero already has (typed in Xero by hand)
        duplicate = self.xero_move("out_invoice", post=False)
        duplicate.action_post()
        contact = client.accounting("get_contacts", where='Name=="Basket Case"').data["Contacts"][0]
        client.accounting("create_invoices", {"Invoices": [{
            "Type": "ACCREC", "Contact": {"ContactID": contact["ContactID"]}, "InvoiceNumber": duplicate.name,
            "LineItems": [{"Description": "typed in Xero", "Quantity": 1, "UnitAmount": 5, "AccountCode": "200"}],
            "Status": "DRAFT"}]})
        bad = missing_mapping | unknown_tax | archived_contact | disabled_currency | duplicate

        run = self.xero_sync()

        for move in good:
            self.assertEqual(move.xero_state, "sent", move.xero_message)
            self.xero_doc(move)
        self.assertEqual(set(bad.mapped("xero_state")), {"failed"})
        expected = {
            missing_mapping: "is not mapped to a Xero account: map it in Accounting ▸ Configuration ▸ Xero",
            unknown_tax: "The tax Local levy 15% is not mapped to a Xero tax rate",
            archived_contact: "is archived",
            disabled_currency: "The currency CHF is not enabled in your Xero organisation: add it in Xero "
                               "(Settings ▸ Currencies), then retry.",
            duplicate: f"Xero already has a document numbered {duplicate.name} that was not sent from this one",
        }
        for move, text in expected.items():
            self.assertIn(text, move.xero_message, move.name)
            self.assertIn(text.split(":")[0][:30], move.message_ids[0].body, f"chatter of {move.name}")
            log = run.log_ids.filtered(lambda line, m=move: line.res_id == m.id and line.res_model == "account.move")
            self.assertEqual(log.state, "failed")
        self.assertEqual(run.count_failed, 5)
        self.assertEqual(run.state, "partial")
        mail = self.env["mail.mail"].search([("email_to", "=", "books@example.com")])
        self.assertEqual(len(mail), 1, "one alert for the run")
        for move in bad:
            self.assertIn(move.name, mail.body_html)
        # the duplicate in Xero was not overwritten
        numbered = self.xero_docs()[duplicate.name]
        self.assertEqual((len(numbered), numbered[0]["LineItems"][0]["Description"]), (1, "typed in Xero"))
