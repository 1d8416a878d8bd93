from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .xero_tracking import STATUSES


class XeroTrackingOption(models.Model):
    """An option of a Xero tracking category, mapped to an analytic account."""

    _name = "xero.tracking.option"
    _description = "Xero Tracking Option"
    _order = "category_id, name"
    _check_company_auto = True

    category_id = fields.Many2one("xero.tracking.category", required=True, ondelete="cascade", index=True)
    connection_id = fields.Many2one(related="category_id.connection_id", store=True, index=True)
    company_id = fields.Many2one(related="category_id.company_id", store=True, index=True)
    xero_id = fields.Char("TrackingOptionID", required=True, readonly=True)
    name = fields.Char(required=True, readonly=True)
    status = fields.Selection(STATUSES, default="ACTIVE", required=True, readonly=True)
    analytic_account_id = fields.Many2one(
        "account.analytic.account", "Analytic account", ondelete="set null", check_company=True,
        index="btree_not_null")
    analytic_plan_id = fields.Many2one(related="category_id.analytic_plan_id")

    _sql_constraints = [
        ("xero_id_unique", "unique(category_id, xero_id)", "This tracking option is already imported."),
    ]

    @api.depends("category_id.name", "name")
    def _compute_display_name(self):
        for opt in self:
            opt.display_name = f"{opt.category_id.name} / {opt.name}"

    @api.constrains("analytic_account_id", "category_id")
    def _check_account(self):
        for opt in self.filtered("analytic_account_id"):
            plan = opt.category_id.analytic_plan_id
            account = opt.analytic_account_id
            if not plan:
                raise ValidationError(_(
                    "Map the tracking category %(category)s to an analytic plan before mapping its options.",
                    category=opt.category_id.name))
            if account.root_plan_id != plan:
                raise ValidationError(_(
                    "The analytic account %(account)s is not in the plan %(plan)s mapped to the Xero "
                    "category %(category)s.", account=account.display_name, plan=plan.display_name,
                    category=opt.category_id.name))
            other = self.search([("connection_id", "=", opt.connection_id.id), ("id", "!=", opt.id),
                                 ("analytic_account_id", "=", account.id)], limit=1)
            if other:
                raise ValidationError(_(
                    "The analytic account %(account)s is already mapped to the Xero option %(other)s.",
                    account=account.display_name, other=other.display_name))
