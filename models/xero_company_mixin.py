from odoo import fields, models


class XeroCompanyMixin(models.AbstractModel):
    """The header of every record that belongs to one connection: the
    connection and its company (stored, for the multi-company rules)."""

    _name = "xero.company.mixin"
    _description = "Belongs to a Xero connection"
    _check_company_auto = True

    connection_id = fields.Many2one("xero.connection", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="connection_id.company_id", store=True, index=True)
