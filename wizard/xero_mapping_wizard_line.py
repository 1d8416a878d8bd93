from odoo import api, fields, models

from ..sync.mappings import KINDS


class XeroMappingWizardLine(models.TransientModel):
    """One Odoo account, tax or bank journal of the suggested mappings: the
    Xero account (or tax rate) suggested and why; the user may pick another
    one, which is then ticked and says so."""

    _name = "xero.mapping.wizard.line"
    _description = "Xero: one suggested mapping"
    _order = "sequence, id"
    _check_company_auto = True

    wizard_id = fields.Many2one("xero.mapping.wizard", required=True, ondelete="cascade")
    connection_id = fields.Many2one(related="wizard_id.connection_id")
    company_id = fields.Many2one(related="wizard_id.company_id")
    sequence = fields.Integer()
    kind = fields.Selection(KINDS, required=True, readonly=True)
    account_id = fields.Many2one("account.account", "Odoo account", readonly=True, check_company=True)
    tax_id = fields.Many2one("account.tax", "Odoo tax", readonly=True, check_company=True)
    journal_id = fields.Many2one("account.journal", "Odoo journal", readonly=True, check_company=True)
    name = fields.Char("In Odoo", compute="_compute_name")
    detail = fields.Char("Odoo type", compute="_compute_name")
    in_use = fields.Boolean("In use", readonly=True,
                            help="Documents from the import start date (or the defaults of new ones) use it.")
    suggested_account_id = fields.Many2one("xero.account", readonly=True)
    suggested_tax_rate_id = fields.Many2one("xero.tax.rate", readonly=True)
    suggested_reason = fields.Char(readonly=True)
    xero_account_id = fields.Many2one("xero.account", "Xero account", check_company=True)
    xero_tax_rate_id = fields.Many2one("xero.tax.rate", "Xero tax rate", check_company=True)
    reason = fields.Char("Why", compute="_compute_reason")
    accept = fields.Boolean()

    @api.depends("kind", "account_id", "tax_id", "journal_id")
    def _compute_name(self):
        account_types = dict(self.env["account.account"]._fields["account_type"]._description_selection(self.env))
        for line in self:
            record = line._xero_record()
            line.name = record.display_name
            if line.kind == "account":
                line.detail = account_types.get(record.account_type)
            elif line.kind == "tax":
                line.detail = self.env._("Sales tax") if record.type_tax_use == "sale" else self.env._(
                    "Purchase tax")
            else:
                line.detail = self.env._("Cash journal") if record.type == "cash" else self.env._("Bank journal")

    @api.depends("xero_account_id", "xero_tax_rate_id", "suggested_reason")
    def _compute_reason(self):
        for line in self:
            target = line.xero_tax_rate_id or line.xero_account_id
            suggested = line.suggested_tax_rate_id or line.suggested_account_id
            line.reason = self.env._("your choice") if target and target != suggested else line.suggested_reason

    @api.onchange("xero_account_id", "xero_tax_rate_id")
    def _onchange_target(self):
        """A target picked by hand is accepted; a target cleared is not."""
        for line in self:
            line.accept = bool(line.xero_tax_rate_id or line.xero_account_id)

    def _xero_record(self):
        self.ensure_one()
        return self[f"{self.kind}_id"] if self.kind else self.env["account.account"]
