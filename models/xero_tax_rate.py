from odoo import _, api, fields, models
from odoo.tools import float_compare

from ..services.errors import XeroMappingError

TAX_MENU = "Accounting ▸ Configuration ▸ Xero ▸ Mappings ▸ Taxes"


class XeroTaxRate(models.Model):
    """One Xero tax rate (TaxType) and the Odoo taxes sent as it.

    Several Odoo taxes may map to one Xero rate (each sent alone as it). A
    line carrying several taxes at once is sent only when one Xero rate is
    mapped to exactly that set of taxes (a combined rate in Xero)."""

    _name = "xero.tax.rate"
    _description = "Xero Tax Rate"
    _inherit = ["xero.company.mixin"]
    _order = "connection_id, status, name"
    _check_company_auto = True
    _rec_names_search = ["name", "tax_type"]

    tax_type = fields.Char("TaxType", required=True, readonly=True)
    name = fields.Char(required=True, readonly=True)
    rate = fields.Float("Rate (%)", digits=(16, 4), readonly=True, help="Xero's effective rate.")
    status = fields.Selection(
        [("ACTIVE", "Active"), ("ARCHIVED", "Archived"), ("DELETED", "Deleted"), ("PENDING", "Pending")],
        default="ACTIVE", required=True, readonly=True)
    report_tax_type = fields.Char(readonly=True)
    can_apply_to_revenue = fields.Boolean("Sales", readonly=True)
    can_apply_to_expenses = fields.Boolean("Purchases", readonly=True)
    tax_ids = fields.Many2many(
        "account.tax", "xero_tax_rate_account_tax_rel", "xero_tax_rate_id", "tax_id", "Odoo taxes",
        check_company=True,
        help="Odoo taxes sent as this Xero rate. A line with several taxes is sent as this rate "
        "only when these taxes are exactly the line's taxes.")
    rate_warning = fields.Char("Check", compute="_compute_rate_warning")

    _sql_constraints = [
        ("tax_type_unique", "unique(connection_id, tax_type)", "This Xero tax rate is already imported."),
    ]

    @api.depends("tax_type", "name")
    def _compute_display_name(self):
        for rate in self:
            rate.display_name = f"{rate.name} ({rate.tax_type})"

    @api.depends("tax_ids.amount", "tax_ids.amount_type", "rate")
    def _compute_rate_warning(self):
        """Flag mapped percent taxes whose rate is not Xero's, unless together
        they make Xero's rate (a combination)."""
        for rate in self:
            off = [(tax, tax._xero_percent()) for tax in rate.tax_ids]
            off = [(tax, pct) for tax, pct in off
                   if pct is not None and float_compare(pct, rate.rate, precision_digits=4)]
            if len(off) > 1 and not float_compare(sum(p for _t, p in off), rate.rate, precision_digits=4):
                off = []
            lines = [self.env._("%(tax)s is %(odoo)s %%", tax=tax.name, odoo=round(pct, 4)) for tax, pct in off]
            rate.rate_warning = self.env._("Xero's rate is %(rate)s %%: ", rate=round(rate.rate, 4)) + ", ".join(
                lines) if lines else False

    @api.model
    def _xero_tax_type_for(self, connection, taxes):
        """Xero TaxType (str) for the taxes of ONE document line.

        No tax → ``"NONE"``. One tax (a group tax counts as one) → the rate it
        is mapped to: a rate holding it alone, or one of its percentage (a
        rate holding it among others at another percentage is a combination,
        not its mapping). Several
        taxes → a rate holding all of them whose Xero rate is their combined
        percentage (taxes that are not plain percentages: a rate holding
        exactly them); otherwise an error, never the first tax's rate. The
        rate must be active in Xero. Raises :class:`XeroMappingError`."""
        taxes = taxes.sudo()
        if not taxes:
            return "NONE"
        rates = self.sudo().search([("connection_id", "=", connection.id), ("tax_ids", "in", taxes.ids)])
        names = ", ".join(taxes.mapped("name"))
        if len(taxes) == 1:
            percent = taxes._xero_percent()
            if percent is not None:
                # a rate holding the tax with others at another percentage is a combination of them
                rates = rates.filtered(lambda r: r.tax_ids == taxes
                                       or not float_compare(percent, r.rate, precision_digits=4))
            exact = rates.filtered(lambda r: r.tax_ids == taxes)
            found = exact if len(exact) == 1 else rates
            if not found:
                raise XeroMappingError(_(
                    "The tax %(tax)s is not mapped to a Xero tax rate: map it in %(menu)s.",
                    tax=names, menu=TAX_MENU))
            if len(found) > 1:
                raise XeroMappingError(_(
                    "The tax %(tax)s is mapped to several Xero tax rates (%(rates)s): keep one in %(menu)s.",
                    tax=names, rates=", ".join(found.mapped("display_name")), menu=TAX_MENU))
        else:
            holding = rates.filtered(lambda r: taxes <= r.tax_ids)
            percents = [tax._xero_percent() for tax in taxes]
            if None in percents:
                found = holding.filtered(lambda r: r.tax_ids == taxes)
                combined = _("their combination")
            else:
                # a rate holding alternatives (two 15 % taxes each sent as OUTPUT) is no combination
                found = holding.filtered(lambda r: not float_compare(sum(percents), r.rate, precision_digits=4))
                combined = f"{sum(percents):g} %"
            if not found:
                raise XeroMappingError(_(
                    "Several taxes on one line (%(taxes)s): Xero takes one tax rate per line. Map them to one "
                    "Xero tax rate of %(combined)s in %(menu)s, or split the line.",
                    taxes=names, combined=combined, menu=TAX_MENU))
            if len(found) > 1:
                raise XeroMappingError(_(
                    "The taxes %(taxes)s together fit several Xero tax rates (%(rates)s): keep one in %(menu)s.",
                    taxes=names, rates=", ".join(found.mapped("display_name")), menu=TAX_MENU))
        if found.status != "ACTIVE":
            raise XeroMappingError(_(
                "%(taxes)s is mapped to the Xero tax rate %(rate)s, which is %(status)s in Xero: map it to "
                "an active rate in %(menu)s.", taxes=names, rate=found.display_name,
                status=found.status.lower(), menu=TAX_MENU))
        return found.tax_type

