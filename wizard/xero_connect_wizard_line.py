from odoo import fields, models


class XeroConnectWizardLine(models.TransientModel):
    _name = "xero.connect.wizard.line"
    _description = "Xero organisation granted"
    _rec_name = "tenant_name"

    wizard_id = fields.Many2one("xero.connect.wizard", required=True, ondelete="cascade")
    tenant_id = fields.Char("Tenant ID", required=True)
    tenant_name = fields.Char("Organisation", required=True)
