"""The bad-inputs corpus: documents Xero cannot take as they are, sent in ONE
"Send to Xero" among good documents (issue 8, fault runs).

Every bad document must end with its own message — on its queue row (the
"Waiting to be sent" list), on the document, or in the notification of the
action when it is out of scope — naming what is wrong and what to do, and
must not be in Xero. Every good document of the same selection must be in
Xero exactly once with Odoo's totals. A few traps (zero and negative lines,
unicode and over-long texts) are not errors: they must arrive exactly.

Each case is one entry of :meth:`corpus`; the test checks each in its own
``subTest`` and logs ``bad-inputs corpus: N cases`` (read by ``make bench``).
"""

import base64
import logging
from dataclasses import dataclass, field

from odoo import Command, fields
from odoo.tests import tagged

from .common_export import XeroExportCase

_logger = logging.getLogger(__name__)

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=")


@dataclass
class Case:
    """One input of the corpus and what must become of it.

    ``expect``: ``failed`` (its row fails with ``fragments`` in the message),
    ``not_sent`` (refused by the action itself: ``fragments`` are in the
    notification), ``sent`` (a trap: in Xero once, with Odoo's totals) or
    ``files`` (the document is sent, its bad files are skipped with
    ``fragments`` in the attachment row's message)."""

    name: str
    move: object
    expect: str
    fragments: tuple = ()
    check: object = None
    extra: dict = field(default_factory=dict)


@tagged("post_install", "-at_install")
class TestBadInputsCorpus(XeroExportCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.connection.export_attachments = True
        cls.chf = cls.setup_other_currency("CHF", rates=[("2019-01-01", 0.9)])
        cls.north = cls.analytic[("Region", "North")]
        cls.south = cls.analytic[("Region", "South")]
        cls.ops = cls.analytic[("Department", "Operations")]
        Tax = cls.env["account.tax"]
        TaxRate = cls.env["xero.tax.rate"].sudo()

        def rate(tax_type):
            return TaxRate.search([("connection_id", "=", cls.connection.id), ("tax_type", "=", tax_type)])

        def sale_tax(name, amount, **values):
            return Tax.create({"name": name, "amount": amount, "type_tax_use": "sale",
                               "company_id": cls.env.company.id, **values})

        cls.tax_unmapped = sale_tax("Unmapped 15%", 15)
        cls.tax_deleted = sale_tax("Old 12.5%", 12.5)
        rate("TAX001").tax_ids = [Command.link(cls.tax_deleted.id)]
        # two 0 % taxes both held by two 0 % Xero rates: neither rate is the mapping of one of them
        cls.tax_twice = sale_tax("Twice 0%", 0)
        cls.tax_exempt = sale_tax("Exempt 0%", 0)
        (rate("EXEMPTOUTPUT") | rate("NONE")).tax_ids = [Command.link(cls.tax_twice.id),
                                                         Command.link(cls.tax_exempt.id)]
        cls.tax_included = sale_tax("VAT 15% incl.", 15, price_include_override="tax_included")
        rate("OUTPUT").tax_ids = [Command.link(cls.tax_included.id)]
        # a 10 % tax mapped, alone, to a 0 % Xero rate
        cls.tax_ten = sale_tax("Reduced 10%", 10)
        rate("EXEMPTEXPENSES").tax_ids = [Command.link(cls.tax_ten.id)]
        cls.tax_input_on_sales = sale_tax("Sales tax mapped to INPUT", 15)
        rate("INPUT").tax_ids = [Command.link(cls.tax_input_on_sales.id)]
        revenue = cls.company_data["default_account_revenue"]

        def account(code, name, xero_code=None):
            acc = revenue.copy({"code": code, "name": name})
            if xero_code:
                acc.with_company(cls.env.company).xero_code = xero_code
            return acc

        cls.acc_unmapped = account("499001", "Unmapped income")
        cls.acc_not_in_chart = account("499002", "Income to a code Xero lacks", "777")
        cls.acc_archived = account("499003", "Income to an archived account", "499")
        cls.acc_bank = account("499004", "Income to the bank account", "090")
        cls.acc_system = account("499005", "Income to receivables", "610")
        cls.far_north = cls.env["account.analytic.account"].create({
            "name": "Far North", "plan_id": cls.north.plan_id.id, "company_id": cls.env.company.id})
        cls.west = cls.analytic[("Region", "West")]
        cls.env["xero.tracking.option"].sudo().search([("analytic_account_id", "=", cls.west.id)]).status = "ARCHIVED"
        cls.epd_term = cls.env["account.payment.term"].create({
            "name": "2/7 mixed", "early_discount": True, "discount_days": 7, "discount_percentage": 2,
            "early_pay_discount_computation": "mixed", "line_ids": [Command.create({"value": "percent",
                                                                                  "value_amount": 100})]})

    # ------------------------------------------------------------ helpers
    def new_partner(self, name, **values):
        return self.env["res.partner"].create({"name": name, "is_company": True, **values})

    def attach(self, move, name, data):
        return self.env["ir.attachment"].create({"name": name, "raw": data, "res_model": "account.move",
                                                 "res_id": move.id})

    def xero_only_invoice(self, number, collection="Invoices", number_field="InvoiceNumber", kind="ACCREC"):
        """A document created directly in Xero (not from Odoo) with this number."""
        client = self.connection._xero_client()
        contact = client.accounting("get_contacts", where='Name=="Basket Case"').data["Contacts"][0]
        method = "create_invoices" if collection == "Invoices" else "create_credit_notes"
        client.accounting(method, {collection: [{
            "Type": kind, "Contact": {"ContactID": contact["ContactID"]}, number_field: number,
            "Date": "2019-03-01", "Status": "AUTHORISED", "LineItems": [
                {"Description": "Typed in Xero", "Quantity": 1, "UnitAmount": 10, "AccountCode": "200",
                 "TaxType": "OUTPUT"}]}]}, summarize_errors=False)

    def line(self, price=100.0, **spec):
        return {"price": price, **spec}

    # ------------------------------------------------------------ the corpus
    def corpus(self):
        """Every case (see :class:`Case`)."""
        inv = self.xero_move
        cases = [
            # -- mapping gaps: the document is held back, no call is made for it
            Case("account not mapped", inv(lines=[self.line(account=self.acc_unmapped)]), "failed",
                 ("499001", "is not mapped to a Xero account", "Mappings")),
            Case("account code missing from the Xero chart", inv(lines=[self.line(account=self.acc_not_in_chart)]),
                 "failed", ("777", "not in the Xero chart")),
            Case("account archived in Xero", inv(lines=[self.line(account=self.acc_archived)]), "failed",
                 ("499", "archived")),
            Case("tax not mapped", inv(lines=[self.line(taxes=self.tax_unmapped)]), "failed",
                 ("Unmapped 15%", "is not mapped to a Xero tax rate")),
            Case("tax mapped to a deleted Xero rate", inv(lines=[self.line(taxes=self.tax_deleted)]), "failed",
                 ("Old 12.5%", "deleted")),
            Case("tax mapped to two Xero rates", inv(lines=[self.line(taxes=self.tax_twice)]), "failed",
                 ("Twice 0%", "several Xero tax rates")),
            Case("two taxes on one line", inv(lines=[self.line(taxes=self.tax_sale_a | self.tax_exempt)]), "failed",
                 ("Several taxes on one line",)),
            Case("tax-included and tax-excluded prices mixed",
                 inv(lines=[self.line(), self.line(50.0, taxes=self.tax_included)]), "failed",
                 ("mixes tax-included and tax-excluded prices",)),
            Case("tax mapped to a Xero rate of another percentage", inv(lines=[self.line(taxes=self.tax_ten)]),
                 "failed", ("more than rounding", "same percentage")),
            Case("tax not allowed on the account in Xero", inv(lines=[self.line(taxes=self.tax_input_on_sales)]),
                 "failed", ("INPUT", "correct the tax mapping")),
            Case("account mapped to a Xero bank account", inv(lines=[self.line(account=self.acc_bank)]), "failed",
                 ("090",)),
            Case("account mapped to a Xero system account", inv(lines=[self.line(account=self.acc_system)]),
                 "failed", ("610",)),
            Case("analytic account without a Xero option",
                 inv(lines=[self.line(analytic={self.far_north.id: 100.0})]), "failed",
                 ("Far North", "has no Xero option")),
            Case("tracking split between two options",
                 inv(lines=[self.line(analytic={self.north.id: 50.0, self.south.id: 50.0})]), "failed",
                 ("splits the Xero tracking category Region",)),
            Case("tracking on part of a line", inv(lines=[self.line(analytic={self.north.id: 60.0})]), "failed",
                 ("60 %", "North")),
            Case("tracking option archived in Xero", inv(lines=[self.line(analytic={self.west.id: 100.0})]),
                 "failed", ("West", "archived in Xero")),
            # -- contacts
            Case("contact archived in Xero", inv(partner=self.archived_partner()), "failed",
                 ("Old Partner Ltd", "archived")),
            Case("contact name already used by another Xero contact", inv(partner=self.new_partner("Basket Case")),
                 "failed", ("Basket Case", "already named")),
            Case("contact name over 255 characters", inv(partner=self.new_partner("Long Name Ltd " + "x" * 290)),
                 "failed", ("longer than the 255 characters",)),
            Case("contact e-mail not an address", inv(partner=self.new_partner("Bad Mail Ltd", email="not an address")),
                 "failed", ("not an address", "is not valid")),
            Case("invoice addressed to a contact person", inv(partner=self.contact_person()), "sent",
                 check=self.check_company_contact),
            # -- currency, numbers, rounding, Odoo features Xero lacks
            Case("currency not enabled in Xero", inv(currency_id=self.chf.id), "failed",
                 ("CHF", "not enabled in your Xero organisation")),
            Case("bill in a currency not enabled in Xero",
                 inv("in_invoice", partner=self.partner_b, ref="CHF-77", currency_id=self.chf.id), "failed",
                 ("CHF", "not enabled")),
            Case("rounding trap without a rounding account",
                 inv(lines=[self.line(0.05), self.line(0.05), self.line(0.05)]), "failed",
                 ("rounds tax on each line", "rounding account")),
            Case("early payment discount computed on taxes", inv(invoice_payment_term_id=self.epd_term.id),
                 "failed", ("early payment discount",)),
            # -- scope: refused by the action itself, with the reason in its notification
            Case("dated before the start date", inv(invoice_date=fields.Date.from_string("2018-12-31")),
                 "not_sent", ("before the import start date",)),
            Case("draft, not posted", inv(post=False), "not_sent", ("is not posted",)),
            Case("journal entry", self.journal_entry(), "not_sent",
                 ("Only customer invoices, vendor bills and credit notes",)),
            Case("cancelled before it was sent", self.cancelled_invoice(), "not_sent", ("is not posted",)),
            # -- files
            Case("attachment of a forbidden type", self.invoice_with_files({"setup.exe": b"MZ\x90\x00"}), "files",
                 ("does not accept .exe files",)),
            Case("attachment over 10 MB",
                 self.invoice_with_files({"scan.pdf": b"%PDF" + b"0" * (10 * 1024 * 1024 + 8)}), "files",
                 ("more than the 10 MB",)),
            Case("empty attachment", self.invoice_with_files({"empty.pdf": b""}), "files", ("is empty",)),
            Case("eleven attachments", self.invoice_with_files({f"page{i:02d}.png": PNG for i in range(11)}), "files",
                 ("already has the 10 files",)),
            # -- traps that must arrive exactly
            Case("zero-priced line", inv(lines=[self.line(), self.line(0.0, name="Free sample")]), "sent"),
            Case("negative line (rebate)", inv(lines=[self.line(), self.line(-30.0, name="Rebate")]), "sent"),
            Case("zero quantity line", inv(lines=[self.line(), self.line(45.0, quantity=0, name="Not delivered")]),
                 "sent"),
            Case("unicode everywhere", inv(partner=self.new_partner("Ōtautahi Café — 株式会社テスト 🚀"),
                                           ref="Réf № 42 ✓", lines=[self.line(name="Überprüfung ✓ — 检查 — مراجعة")]),
                 "sent", check=self.check_unicode),
            Case("over-long line description", inv(lines=[self.line(name="Long text " * 600)]), "sent",
                 check=self.check_long_description),
            Case("over-long reference", inv(ref="R" * 300), "sent", check=self.check_long_reference),
        ]
        taken = inv()
        self.xero_only_invoice(taken.name)
        cases.append(Case("sales number already used in Xero", taken, "failed",
                          ("already has a document numbered", taken.name)))
        refund = inv("out_refund")
        self.xero_only_invoice(refund.name, "CreditNotes", "CreditNoteNumber", "ACCRECCREDIT")
        cases.append(Case("credit note number already used in Xero", refund, "failed",
                          ("already has a document numbered", refund.name)))
        twins = [inv(partner=self.new_partner("Twin Traders Ltd")) for _i in range(2)]
        cases.append(Case("two Odoo partners with the same name", twins[0] | twins[1], "one_of_two",
                          ("Twin Traders Ltd", "already named")))
        return cases

    def archived_partner(self):
        partner = self.new_partner("Old Partner Ltd")
        contact = next(c for c in self.xero_tenant()["Contacts"] if c["Name"] == "Old Partner Ltd")
        self.env["xero.binder"]._bind(partner, contact["ContactID"], self.env.company)
        partner.sudo().with_company(self.env.company).xero_contact_status = "ARCHIVED"  # as the sync records it
        return partner

    def contact_person(self):
        company = self.new_partner("Parent Holdings Ltd")
        return self.env["res.partner"].create({"name": "Pat Accounts", "parent_id": company.id, "type": "invoice"})

    def check_company_contact(self, move, doc):
        contact = next(c for c in self.xero_tenant()["Contacts"] if c["ContactID"] == doc["Contact"]["ContactID"])
        self.assertEqual(contact["Name"], "Parent Holdings Ltd")

    def journal_entry(self):
        entry = self.env["account.move"].create({
            "move_type": "entry", "date": "2019-03-15", "line_ids": [
                Command.create({"name": "d", "account_id": self.company_data["default_account_revenue"].id,
                                "debit": 10.0}),
                Command.create({"name": "c", "account_id": self.company_data["default_account_expense"].id,
                                "credit": 10.0})]})
        entry.action_post()
        return entry

    def cancelled_invoice(self):
        move = self.xero_move(post=False)
        move.button_cancel()
        return move

    def invoice_with_files(self, files):
        move = self.xero_move()
        self.attach(move, "ok.pdf", b"%PDF-1.4 fine")
        for name, data in files.items():
            self.attach(move, name, data)
        return move

    def check_unicode(self, move, doc):
        contact = next(c for c in self.xero_tenant()["Contacts"] if c["ContactID"] == doc["Contact"]["ContactID"])
        self.assertEqual(contact["Name"], move.partner_id.name)
        self.assertEqual(doc["LineItems"][0]["Description"], move.invoice_line_ids[0].name)
        self.assertEqual(doc["Reference"], move.ref)

    def check_long_description(self, move, doc):
        self.assertEqual(doc["LineItems"][0]["Description"], move.invoice_line_ids[0].name[:4000])

    def check_long_reference(self, move, doc):
        self.assertEqual(doc["Reference"], move.ref[:255])

    def assertCase(self, case, notification, in_xero):
        """What must become of one case (see :class:`Case`)."""
        move = case.move
        if case.expect == "failed":
            row = move.xero_queue_ids.filtered(lambda r: r.action == "upsert")
            self.assertEqual(row.state, "failed", f"{case.name}: {row.message}")
            for fragment in case.fragments:
                self.assertIn(fragment, row.message or "", case.name)
            self.assertEqual(move.xero_state, "failed")
            self.assertFalse(in_xero(move), f"{case.name} must not be in Xero")
            return
        if case.expect == "not_sent":
            self.assertIn(move.display_name, notification)
            for fragment in case.fragments:
                self.assertIn(fragment, notification, case.name)
            self.assertFalse(move.xero_id)
            return
        if case.expect == "one_of_two":
            rows = move.xero_queue_ids.filtered(lambda r: r.action == "upsert")
            self.assertEqual(sorted(rows.mapped("state")), ["failed", "sent"], case.name)
            for fragment in case.fragments:
                self.assertIn(fragment, rows.filtered(lambda r: r.state == "failed").message, case.name)
            return
        # sent, files: the document is in Xero once, with Odoo's totals
        docs = in_xero(move)
        self.assertEqual(len(docs), 1, f"{case.name}: {move.xero_message}")
        self.assertEqual(docs[0]["Total"], move.amount_total, case.name)
        self.assertEqual(docs[0]["TotalTax"], move.amount_tax, case.name)
        if case.check:
            case.check(move, docs[0])
        if case.expect == "files":
            row = move.xero_queue_ids.filtered(lambda r: r.action == "attachments")
            for fragment in case.fragments:
                self.assertIn(fragment, row.message or "", case.name)
            self.assertIn("ok.pdf", [f["FileName"] for f in self.xero_tenant()["Attachments"].get(move.xero_id, [])])

    # ------------------------------------------------------------ the test
    def test_corpus_in_one_send(self):
        """All cases and ten good documents in one "Send to Xero"."""
        self.env.company.tax_calculation_rounding_method = "round_globally"
        cases = self.corpus()
        good = [self.xero_move(lines=[self.line(100.0 + i, analytic={self.north.id: 100.0}),
                                      self.line(20.0, quantity=3, analytic={self.ops.id: 100.0})])
                for i in range(8)]
        good += [self.xero_move("in_invoice", partner=self.partner_b, ref="GOOD-BILL"), self.xero_move("out_refund")]
        selection = self.env["account.move"].browse()
        for case in cases:
            selection |= case.move
        selection |= self.env["account.move"].union(*good)
        result = selection.action_xero_send()
        notification = result["params"]["message"]
        for _i in range(3):  # follow-ups queued by the run itself (e.g. files) go with the next one
            if not self.env["xero.queue"].search_count([("connection_id", "=", self.connection.id),
                                                        ("state", "in", ("waiting", "sending"))]):
                break
            self.xero_sync()
        invoices, credit_notes = self.xero_docs(), self.xero_docs("CreditNotes", "CreditNoteNumber")

        def in_xero(move):
            docs = invoices if move.move_type in ("out_invoice", "in_invoice") else credit_notes
            number = move.name if move.move_type.startswith("out") else (move.ref or move.name)
            return [d for d in docs.get(number, []) if d.get("Url", "").endswith(f"/{move.id}")]

        for case in cases:
            with self.subTest(case=case.name):
                self.assertCase(case, notification, in_xero)
        for move in good:
            with self.subTest(good=move.name):
                docs = in_xero(move)
                self.assertEqual(len(docs), 1, f"{move.name}: {move.xero_message}")
                self.assertEqual(docs[0]["Total"], move.amount_total)
                self.assertEqual(move.xero_state, "sent")
        bad = [c for c in cases if c.expect in ("failed", "not_sent", "files", "one_of_two")]
        _logger.info("bad-inputs corpus: %s cases (%s bad inputs, %s traps sent exactly), %s good documents",
                     len(cases), len(bad), len(cases) - len(bad), len(good))
        self.assertGreaterEqual(len(bad), 30)
