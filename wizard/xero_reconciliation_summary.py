from odoo import fields, models

GROUPS = [("type", "Document type"), ("account", "Account")]


class XeroReconciliationSummary(models.TransientModel):
    """One row of the reconciliation summary: a kind of document (in one
    currency) or an account, with each side's count and totals."""

    _name = "xero.reconciliation.summary"
    _description = "Odoo / Xero Reconciliation Summary"
    _order = "sequence, id"

    wizard_id = fields.Many2one("xero.reconciliation", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="wizard_id.company_id", store=True)
    sequence = fields.Integer()
    group = fields.Selection(GROUPS, required=True)
    name = fields.Char("Type or account", required=True)
    xero_type = fields.Char("Xero type")
    account_code = fields.Char("Account code")
    account_id = fields.Many2one("account.account", "Odoo account", ondelete="cascade")
    currency = fields.Char(help="Documents: their currency. Accounts: the company's currency.")
    odoo_count = fields.Integer("Odoo documents")
    xero_count = fields.Integer("Xero documents")
    odoo_total = fields.Float("Odoo total", help="Documents: their totals. Accounts: the net line amounts (balance).")
    xero_total = fields.Float("Xero total", help="Documents: their totals. Accounts: the net line amounts (balance).")
    odoo_paid = fields.Float("Paid in Odoo")
    xero_paid = fields.Float("Paid in Xero")
    difference = fields.Float("Gap", help="Odoo total minus Xero total.")
    agrees = fields.Boolean(help="Same counts, totals and payments on both sides.")
