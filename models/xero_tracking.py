from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_compare

from ..services.errors import XeroMappingError
from ..sync.actions import check_manager

TRACKING_MENU = "Accounting ▸ Configuration ▸ Xero ▸ Mappings ▸ Tracking"
STATUSES = [("ACTIVE", "Active"), ("ARCHIVED", "Archived"), ("DELETED", "Deleted in Xero")]
MAX_ACTIVE_CATEGORIES = 2


class XeroTrackingCategory(models.Model):
    """A Xero tracking category, mapped to an Odoo analytic plan.

    Xero has at most two active categories of up to 100 options each; a
    line carries at most one option per category."""

    _name = "xero.tracking.category"
    _description = "Xero Tracking Category"
    _inherit = ["xero.company.mixin"]
    _order = "connection_id, status, name"
    _check_company_auto = True

    xero_id = fields.Char("TrackingCategoryID", required=True, readonly=True)
    name = fields.Char(required=True, readonly=True)
    status = fields.Selection(STATUSES, default="ACTIVE", required=True, readonly=True)
    analytic_plan_id = fields.Many2one(
        "account.analytic.plan", "Analytic plan", ondelete="set null", domain="[('parent_id', '=', False)]",
        help="Lines whose analytic distribution uses this plan are tracked in this Xero category.")
    option_ids = fields.One2many("xero.tracking.option", "category_id", "Options")
    unmapped_count = fields.Integer("Options not mapped", compute="_compute_unmapped_count")

    _sql_constraints = [
        ("xero_id_unique", "unique(connection_id, xero_id)", "This tracking category is already imported."),
    ]

    @api.depends("option_ids.analytic_account_id", "option_ids.status")
    def _compute_unmapped_count(self):
        for cat in self:
            cat.unmapped_count = len(cat.option_ids.filtered(
                lambda o: o.status == "ACTIVE" and not o.analytic_account_id))

    @api.constrains("analytic_plan_id", "connection_id")
    def _check_plan(self):
        for cat in self.filtered("analytic_plan_id"):
            other = self.search([("connection_id", "=", cat.connection_id.id), ("id", "!=", cat.id),
                                 ("analytic_plan_id", "=", cat.analytic_plan_id.id)], limit=1)
            if other:
                raise ValidationError(_(
                    "The analytic plan %(plan)s is already mapped to the Xero tracking category %(other)s.",
                    plan=cat.analytic_plan_id.display_name, other=other.name))

    def action_xero_create_analytic(self):
        """Create the missing analytic plan and accounts (one per active
        option) in Odoo and map them (Xero administrators: a mapping). Options
        already mapped are kept."""
        check_manager(self.env)
        Plan = self.env["account.analytic.plan"]
        Account = self.env["account.analytic.account"]
        for cat in self:
            if not cat.analytic_plan_id:
                cat.analytic_plan_id = Plan.search([("name", "=", cat.name), ("parent_id", "=", False)], limit=1) \
                    or Plan.create({"name": cat.name})
            for opt in cat.option_ids.filtered(lambda o: o.status == "ACTIVE" and not o.analytic_account_id):
                opt.analytic_account_id = Account.search([
                    ("name", "=", opt.name), ("root_plan_id", "=", cat.analytic_plan_id.id),
                    ("company_id", "in", [cat.company_id.id, False])], limit=1) or Account.create({
                        "name": opt.name, "plan_id": cat.analytic_plan_id.id,
                        "company_id": cat.company_id.id})
        return True

    @api.model
    def _xero_tracking_for(self, connection, analytic_distribution):
        """Xero ``Tracking`` of a line: ``[{"Name": category, "Option": option}]``.

        Analytic accounts of plans mapped to no category are ignored. An
        account of a mapped plan must have its option. A category gets one
        option covering the whole line: a distribution splitting it (50/50)
        or covering part of the line only is refused — Xero cannot say it.
        Raises :class:`XeroMappingError`."""
        if not analytic_distribution:
            return []
        shares = defaultdict(float)
        for key, percent in analytic_distribution.items():
            for part in str(key).split(","):
                if part.strip():
                    shares[int(part)] += float(percent or 0.0)
        accounts = self.env["account.analytic.account"].sudo().browse(list(shares)).exists()
        Option = self.env["xero.tracking.option"].sudo()
        options = {o.analytic_account_id.id: o for o in Option.search([
            ("connection_id", "=", connection.id), ("analytic_account_id", "in", accounts.ids)])}
        categories = self.sudo().search([("connection_id", "=", connection.id), ("analytic_plan_id", "!=", False)])
        by_plan = {cat.analytic_plan_id.id: cat for cat in categories}
        per_category = defaultdict(dict)
        for account in accounts:
            option = options.get(account.id)
            if option:
                per_category[option.category_id][option] = shares[account.id]
                continue
            category = by_plan.get(account.root_plan_id.id) or by_plan.get(account.plan_id.id)
            if category:
                raise XeroMappingError(_(
                    "The analytic account %(account)s is in the plan %(plan)s, which is sent to Xero as the "
                    "tracking category %(category)s, but it has no Xero option: map it in %(menu)s.",
                    account=account.display_name, plan=account.plan_id.display_name,
                    category=category.name, menu=TRACKING_MENU))
        tracking = []
        for category in sorted(per_category, key=lambda c: (c.name, c.id)):
            chosen = per_category[category]
            if len(chosen) > 1:
                raise XeroMappingError(_(
                    "The analytic distribution of this line splits the Xero tracking category %(category)s "
                    "between %(options)s: Xero allows one option per category on a line. Split the line, "
                    "one per option.", category=category.name,
                    options=", ".join(f"{o.name} ({p:g} %)" for o, p in chosen.items())))
            option, percent = next(iter(chosen.items()))
            if float_compare(percent, 100.0, precision_digits=2):
                raise XeroMappingError(_(
                    "The analytic distribution of this line puts %(percent)s %% of it on %(category)s / "
                    "%(option)s: Xero tracks a whole line with one option per category. Use 100 %% or "
                    "split the line.", percent=f"{percent:g}", category=category.name, option=option.name))
            if category.status != "ACTIVE" or option.status != "ACTIVE":
                raise XeroMappingError(_(
                    "The Xero tracking option %(category)s / %(option)s is archived in Xero: restore it in "
                    "Xero or map the analytic account to another option in %(menu)s.",
                    category=category.name, option=option.name, menu=TRACKING_MENU))
            tracking.append({"Name": category.name, "Option": option.name})
        if len(tracking) > MAX_ACTIVE_CATEGORIES:
            raise XeroMappingError(_(
                "This line is tracked in %(count)s Xero categories (%(names)s): Xero allows two.",
                count=len(tracking), names=", ".join(t["Name"] for t in tracking)))
        return tracking

