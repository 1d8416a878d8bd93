"""Fixtures of the "Send to Xero" tests: a company whose chart, taxes and
analytic plans are mapped to the emulator's demo organisation.

Mappings: the sale taxes ``tax_sale_a``/``tax_sale_b`` → OUTPUT (15 %), the
purchase taxes → INPUT (15 %); revenue accounts → 200 (and product_b's → 260),
expense accounts → 429 (product_b's → 310); the rounding account → 860;
tracking categories Region and Department → analytic plans created from them.
"""

from odoo import Command, fields

from .common import DEMO, XeroAccountingCase, get_emulator  # noqa: F401


class XeroExportMixin:
    """Export fixtures for a class with AccountTestInvoicingCommon's data and
    ``cls.connection`` on the demo organisation: master data imported and
    mapped, documents dated 2019 sent (start date 2019-01-01)."""

    @classmethod
    def xero_setup_export(cls, base_url="http://odoo.test"):
        if base_url:
            cls.env["ir.config_parameter"].sudo().set_param("web.base.url", base_url)
        cls.connection.write({"import_start_date": "2019-01-01", "invoice_status": "AUTHORISED",
                              "alert_mode": "none"})
        cls.xero_map_master_data(cls.connection)

    def setUp(self):
        """A clean organisation for every test (Odoo rolls back its side, so
        must Xero): the codes, tax types and tracking names mapped in
        ``setUpClass`` are the same in the fresh demo organisation."""
        super().setUp()
        self.emulator.reset()
        token = self.emulator.issue_token(client_id=DEMO.client_id, tenant_ids=[DEMO.tenant_id])
        self.connection._xero_store_token(token)

    @classmethod
    def xero_map_master_data(cls, connection):
        """Import the demo organisation's master data and map this company to it."""
        connection.action_xero_import_master_data()
        company = connection.company_id
        TaxRate = cls.env["xero.tax.rate"].sudo()

        def rate(tax_type):
            return TaxRate.search([("connection_id", "=", connection.id), ("tax_type", "=", tax_type)])

        rate("OUTPUT").tax_ids = [Command.link(t.id) for t in cls.tax_sale_a | cls.tax_sale_b]
        rate("INPUT").tax_ids = [Command.link(t.id) for t in cls.tax_purchase_a | cls.tax_purchase_b]
        data = cls.company_data
        codes = {
            data["default_account_revenue"]: "200",
            data["default_account_expense"]: "429",
            cls.product_b.property_account_income_id: "260",
            cls.product_b.property_account_expense_id: "310",
        }
        cls.rounding_account = data["default_account_revenue"].copy({"code": "999870", "name": "Xero rounding"})
        codes[cls.rounding_account] = "860"
        for account, code in codes.items():
            account.with_company(company).xero_code = code
        categories = cls.env["xero.tracking.category"].sudo().search([("connection_id", "=", connection.id)])
        categories.action_xero_create_analytic()
        cls.analytic = {
            (cat.name, opt.name): opt.analytic_account_id
            for cat in categories for opt in cat.option_ids if opt.analytic_account_id
        }

    # ------------------------------------------------------------ documents
    @classmethod
    def xero_move(cls, move_type="out_invoice", partner=None, lines=None, post=True, **values):
        """A document with ``lines``: dicts of ``price``, ``quantity``,
        ``taxes`` (recordset, default: the type's tax A), ``account``,
        ``discount``, ``analytic`` (distribution), ``name``."""
        sale = move_type in ("out_invoice", "out_refund")
        default_tax = cls.tax_sale_a if sale else cls.tax_purchase_a
        default_account = cls.company_data["default_account_revenue" if sale else "default_account_expense"]
        line_cmds = []
        for spec in lines or [{"price": 100.0}]:
            line_cmds.append(Command.create({
                "name": spec.get("name", "Consulting"),
                "quantity": spec.get("quantity", 1.0),
                "price_unit": spec["price"],
                "discount": spec.get("discount", 0.0),
                "account_id": (spec.get("account") or default_account).id,
                "tax_ids": [Command.set((spec["taxes"] if "taxes" in spec else default_tax).ids)],
                "analytic_distribution": spec.get("analytic") or False,
            }))
        vals = {
            "move_type": move_type,
            "partner_id": (partner or cls.partner_a).id,
            "invoice_date": fields.Date.from_string("2019-03-15"),
            "invoice_line_ids": line_cmds,
        }
        vals.update(values)
        move = cls.env["account.move"].create(vals)
        if post:
            move.action_post()
        return move

    def xero_sync(self, **kwargs):
        """One run, as "Send data now" does it; returns the ``xero.sync.run``."""
        return self.connection._xero_sync(trigger="manual", **kwargs)

    def xero_tenant(self):
        """The demo organisation's data in the emulator."""
        return self.emulator.dump()[DEMO.tenant_id]

    def xero_docs(self, collection="Invoices", number_field="InvoiceNumber"):
        """``{number: [documents]}`` of one collection in the emulator (lists expose duplicates)."""
        found = {}
        for doc in self.xero_tenant().get(collection, []):
            found.setdefault(doc.get(number_field), []).append(doc)
        return found

    def xero_doc(self, move):
        """The Xero document bound to ``move`` (as stored in the emulator)."""
        collection = "Invoices" if move.move_type in ("out_invoice", "in_invoice") else "CreditNotes"
        id_field = "InvoiceID" if collection == "Invoices" else "CreditNoteID"
        docs = [d for d in self.xero_tenant().get(collection, []) if d[id_field] == move.xero_id]
        self.assertEqual(len(docs), 1, f"{move.name} should be in Xero exactly once")
        return docs[0]


class XeroExportCase(XeroExportMixin, XeroAccountingCase):
    """Accounting fixtures connected to the demo organisation and mapped."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.xero_setup_export()
