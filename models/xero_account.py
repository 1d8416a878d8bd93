from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..services.errors import XeroMappingError

MAPPING_MENU = "Accounting ▸ Configuration ▸ Xero ▸ Mappings"


class XeroAccount(models.Model):
    """One account of the Xero chart, as imported, and the Odoo account
    (and, for bank accounts, the Odoo journal) it is mapped to."""

    _name = "xero.account"
    _description = "Xero Account"
    _inherit = ["xero.company.mixin"]
    _order = "connection_id, code, name"
    _check_company_auto = True
    _rec_names_search = ["code", "name"]

    xero_id = fields.Char("AccountID", required=True, readonly=True)
    code = fields.Char(readonly=True, index=True)
    name = fields.Char(required=True, readonly=True)
    type = fields.Char("Xero type", readonly=True, help="Xero's account type: BANK, REVENUE, EXPENSE…")
    xero_class = fields.Char("Class", readonly=True)
    status = fields.Selection(
        [("ACTIVE", "Active"), ("ARCHIVED", "Archived"), ("DELETED", "Deleted in Xero")],
        default="ACTIVE", required=True, readonly=True)
    tax_type = fields.Char("Default tax", readonly=True)
    enable_payments = fields.Boolean("Payments allowed", readonly=True,
                                     help="Xero's EnablePaymentsToAccount.")
    currency_code = fields.Char("Currency", readonly=True)
    bank_account_number = fields.Char(readonly=True)
    system_account = fields.Char(readonly=True)
    description = fields.Text(readonly=True)
    account_id = fields.Many2one(
        "account.account", "Odoo account", check_company=True, ondelete="set null", index="btree_not_null",
        help="The Odoo account sent to this Xero account (its code is used when the Odoo account "
        "has no 'Xero account code' of its own).")
    journal_id = fields.Many2one(
        "account.journal", "Odoo journal", check_company=True, ondelete="set null",
        domain="[('type', 'in', ('bank', 'cash'))]", index="btree_not_null",
        help="For a Xero bank account: the Odoo bank or cash journal its payments go through.")

    _sql_constraints = [
        ("xero_id_unique", "unique(connection_id, xero_id)", "This Xero account is already imported."),
    ]

    @api.depends("code", "name")
    def _compute_display_name(self):
        for acc in self:
            acc.display_name = f"{acc.code} {acc.name}" if acc.code else acc.name

    @api.constrains("account_id", "journal_id", "connection_id")
    def _check_unique_mapping(self):
        for acc in self:
            for field, label in (("account_id", _("Odoo account")), ("journal_id", _("journal"))):
                if not acc[field]:
                    continue
                other = self.search([("connection_id", "=", acc.connection_id.id), (field, "=", acc[field].id),
                                     ("id", "!=", acc.id)], limit=1)
                if other:
                    raise ValidationError(_(
                        "The %(what)s %(record)s is already mapped to the Xero account %(other)s. "
                        "One %(what)s maps to one Xero account.",
                        what=label, record=acc[field].display_name, other=other.display_name))
            if acc.journal_id and acc.type != "BANK" and not acc.enable_payments:
                raise ValidationError(_(
                    "The Xero account %(account)s takes no payments: only Xero bank accounts and "
                    "accounts with payments enabled can have a journal.", account=acc.display_name))

    # ------------------------------------------------------------ binding
    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        records.filtered("account_id")._xero_bind_accounts()
        return records

    def write(self, vals):
        if "account_id" in vals:
            for acc in self.filtered("account_id"):
                binder = self.env["xero.binder"]
                if binder._to_xero(acc.account_id, acc.company_id) == acc.xero_id:
                    binder._unbind(acc.account_id, acc.company_id)
        res = super().write(vals)
        if "account_id" in vals:
            self.filtered("account_id")._xero_bind_accounts()
        return res

    def _xero_bind_accounts(self):
        """Mirror the mapping on the Odoo account (its AccountID, through the binder)."""
        for acc in self:
            self.env["xero.binder"]._bind(acc.account_id, acc.xero_id, acc.company_id)

    # ------------------------------------------------------------ lookups
    @api.model
    def _xero_code_for(self, connection, account):
        """Xero account code (str) of the Odoo ``account`` for ``connection``.

        In order: the account's own "Xero account code" (company-dependent
        override), the Xero account mapped to it (mapping list or AccountID),
        the Xero account with the same code. The Xero account must be in the
        imported chart and active. Raises :class:`XeroMappingError`; never
        falls back on another account."""
        account.ensure_one()
        company = connection.company_id
        account = account.with_company(company)
        chart = self.sudo().with_context(active_test=False).search([("connection_id", "=", connection.id)])
        if not chart:
            raise XeroMappingError(_(
                "The chart of accounts of %(org)s has not been imported from Xero yet: import it from "
                "Accounting ▸ Configuration ▸ Xero ▸ Connection (Import chart, taxes and tracking).",
                org=connection.display_name))
        label = account.display_name
        override = (account.xero_code or "").strip()
        if override:
            xacc = chart.filtered(lambda a: a.code == override)[:1]
            if not xacc:
                raise XeroMappingError(_(
                    "Account %(account)s is set to the Xero code %(code)s, which is not in the Xero chart "
                    "of accounts: correct it in %(menu)s ▸ Accounts, or import the chart again.",
                    account=label, code=override, menu=MAPPING_MENU))
        else:
            bound = self.env["xero.binder"]._to_xero(account, company)
            xacc = chart.filtered(lambda a: a.account_id == account)[:1] \
                or (bound and chart.filtered(lambda a: a.xero_id == bound)[:1]) \
                or chart.filtered(lambda a: a.code and a.code == account.code)[:1]
            if not xacc:
                raise XeroMappingError(_(
                    "Account %(account)s is not mapped to a Xero account: map it in %(menu)s ▸ Accounts.",
                    account=label, menu=MAPPING_MENU))
        if xacc.status != "ACTIVE":
            raise XeroMappingError(_(
                "Account %(account)s is sent to the Xero account %(xero)s, which is %(status)s in Xero: "
                "restore it in Xero or map the Odoo account to another one in %(menu)s ▸ Accounts.",
                account=label, xero=xacc.display_name,
                status=xacc.status.lower(), menu=MAPPING_MENU))
        if not xacc.code:
            raise XeroMappingError(_(
                "Account %(account)s is mapped to the Xero account %(xero)s, which has no code in Xero: "
                "give it a code in Xero and import the chart again, or map another account.",
                account=label, xero=xacc.display_name))
        return xacc.code

    @api.model
    def _xero_journal_for(self, connection, xero_account_id_or_code):
        """The Odoo bank/cash journal of a Xero bank account (AccountID or code)."""
        key = xero_account_id_or_code or ""
        xacc = self.sudo().search([("connection_id", "=", connection.id), "|",
                                   ("xero_id", "in", [key, key.lower()]), ("code", "=", key)], limit=1)
        if not xacc:
            raise XeroMappingError(_(
                "The Xero account %(account)s is not in the imported chart of accounts: import the "
                "chart again from the Xero connection.", account=key))
        if not xacc.journal_id:
            raise XeroMappingError(_(
                "The Xero bank account %(account)s is not mapped to an Odoo bank journal: map it in "
                "%(menu)s ▸ Bank accounts.", account=xacc.display_name, menu=MAPPING_MENU))
        return xacc.journal_id.with_env(self.env)

    @api.model
    def _xero_bank_account_for(self, connection, journal):
        """The ``xero.account`` payments of the Odoo ``journal`` go to."""
        journal.ensure_one()
        xacc = self.sudo().search([("connection_id", "=", connection.id), ("journal_id", "=", journal.id)],
                                  limit=1)
        if not xacc:
            raise XeroMappingError(_(
                "The journal %(journal)s is not mapped to a Xero bank account: map it in "
                "%(menu)s ▸ Bank accounts.", journal=journal.display_name, menu=MAPPING_MENU))
        if xacc.status != "ACTIVE":
            raise XeroMappingError(_(
                "The journal %(journal)s is mapped to the Xero account %(account)s, which is archived "
                "in Xero: restore it in Xero or map the journal to another account in %(menu)s ▸ "
                "Bank accounts.", journal=journal.display_name, account=xacc.display_name,
                menu=MAPPING_MENU))
        return xacc.with_env(self.env)
