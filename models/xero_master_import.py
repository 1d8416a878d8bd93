"""Import of the Xero chart of accounts, tax rates, tracking categories and
items, re-runnable: a second run finds everything equal and writes nothing."""

from odoo import _, api, fields, models

from ..services.errors import XeroError
from ..services.mappers import master
from ..services.mappers.contact import norm_vat  # letters and digits, upper case: bank numbers too


class XeroConnectionMaster(models.Model):
    _inherit = "xero.connection"

    contact_default_title_id = fields.Many2one(
        "res.partner.title", "Default title of imported persons", tracking=True,
        help="Xero has no title: persons imported from Xero get this one.")
    xero_account_count = fields.Integer("Xero accounts", compute="_compute_xero_account_count")
    master_import_date = fields.Datetime("Master data imported on", readonly=True, copy=False)

    def _compute_xero_account_count(self):
        counts = dict(self.env["xero.account"].sudo()._read_group(
            [("connection_id", "in", self.ids)], ["connection_id"], ["__count"]))
        for conn in self:
            conn.xero_account_count = counts.get(conn, 0)

    def _xero_clear_links(self, previous_name, new_name):
        """Connecting another organisation: its chart, rates, tracking, contact
        imports and proposals were the previous one's, and so are the Xero
        status and version kept on partners."""
        counts = super()._xero_clear_links(previous_name, new_name)
        for model in ("xero.account", "xero.tax.rate", "xero.tracking.category", "xero.contact.match",
                      "xero.import.job"):
            records = self.env[model].sudo().search([("connection_id", "=", self.id)])
            counts[model] = len(records)
            records.unlink()
        partners = self.env["res.partner"].sudo().with_company(self.company_id).with_context(
            active_test=False, xero_no_push=True).search(
            ["|", ("xero_contact_hash", "!=", False), ("xero_contact_status", "!=", False)])
        partners.write({"xero_contact_hash": False, "xero_contact_status": False})
        return counts

    # ------------------------------------------------------------ entry points
    def action_xero_import_master_data(self, items=None):
        """Import accounts, tax rates and tracking (and items when ``items``
        or the context key ``xero_import_items`` says so); return a
        notification with what changed."""
        self.ensure_one()
        self._ensure_connected()
        if items is None:
            items = bool(self.env.context.get("xero_import_items"))
        run = self.env["xero.sync.run"].sudo().create({
            "connection_id": self.id, "operation": _("Import master data")})
        client = self._xero_client()
        counts = {}
        try:
            counts[_("Accounts")] = self._xero_import_accounts(client, run)
            counts[_("Tax rates")] = self._xero_import_tax_rates(client, run)
            counts[_("Tracking")] = self._xero_import_tracking(client, run)
            if items:
                counts[_("Items")] = self._xero_import_items(client, run)
        except XeroError as exc:
            run.api_calls = client.calls
            run._finish(state="failed", message=exc.message)
            return self._xero_notify(_("Import from Xero failed: %s", exc.message), "danger")
        self.sudo().master_import_date = fields.Datetime.now()
        summary = "; ".join(
            self.env._("%(what)s: %(created)s new, %(updated)s updated, %(unchanged)s unchanged",
                       what=what, **c) for what, c in counts.items())
        run.api_calls = client.calls
        run._finish(message=summary)
        return self._xero_notify(summary, "success")

    def action_xero_import_items(self):
        return self.action_xero_import_master_data(items=True)

    def _xero_notify(self, message, kind):
        return {"type": "ir.actions.client", "tag": "display_notification",
                "params": {"title": _("Xero"), "message": message, "type": kind, "sticky": kind != "success",
                           "next": {"type": "ir.actions.client", "tag": "soft_reload"}}}

    # ------------------------------------------------------------ helpers
    @api.model
    def _xero_upsert(self, Model, records_by_key, key, values_list, run=None, xero_object=None):
        """Create or update mirror rows; ``records_by_key`` are the rows we
        have. Returns ``(counts, {key: record})``; rows equal to Xero's are
        not written, created and updated ones are logged on ``run``."""
        counts = {"created": 0, "updated": 0, "unchanged": 0}
        out = {}
        to_create = []
        for values in values_list:
            record = records_by_key.get(values[key])
            if record:
                changes = master.changed_values(record, values)
                if changes:
                    record.write(changes)
                    counts["updated"] += 1
                    self._xero_log_import(run, xero_object, record, _("Updated from Xero."))
                else:
                    counts["unchanged"] += 1
                out[values[key]] = record
            else:
                to_create.append(values)
        if to_create:
            created = Model.create(to_create)
            for record in created:
                out[record[key]] = record
                self._xero_log_import(run, xero_object, record, _("Imported from Xero."))
            counts["created"] = len(created)
        return counts, out

    def _xero_log_import(self, run, xero_object, record, message):
        if run and xero_object:
            self.env["xero.sync.log"]._log(self, xero_object, "import", "done", record=record, run=run,
                                            message=message, xero_id=record["xero_id"] if "xero_id" in record
                                            else False)

    def _xero_mark_missing(self, records, seen_keys, key):
        """Rows Xero no longer lists are marked deleted (kept for their mappings' history)."""
        missing = records.filtered(lambda r: r[key] not in seen_keys and r.status != "DELETED")
        if missing:
            missing.write({"status": "DELETED"})
        return len(missing)

    # ------------------------------------------------------------ accounts
    def _xero_import_accounts(self, client, run):
        """The chart of accounts; new rows are linked to the Odoo account of
        the same code and bank accounts to an unambiguous Odoo journal."""
        elements = client.accounting("get_accounts").data.get("Accounts") or []
        Account = self.env["xero.account"].sudo()
        existing = Account.search([("connection_id", "=", self.id)])
        values_list = [dict(master.account_values(a), connection_id=self.id) for a in elements]
        counts, rows = self._xero_upsert(
            Account, {r.xero_id: r for r in existing}, "xero_id", values_list, run, "account")
        counts["updated"] += self._xero_mark_missing(existing, set(rows), "xero_id")
        self._xero_link_accounts(Account.search([("connection_id", "=", self.id)]))
        return counts

    def _xero_link_accounts(self, xero_accounts):
        """Map unmapped Xero accounts to the Odoo account with the same code,
        and bank accounts to the Odoo bank journal with the same account
        number (or else the same name) — only when exactly one fits and it is
        not mapped to another Xero account already."""
        company = self.company_id
        OdooAccount = self.env["account.account"].sudo().with_company(company)
        taken = set(xero_accounts.account_id.ids)
        for xacc in xero_accounts.filtered(lambda a: not a.account_id and a.code and a.status == "ACTIVE"):
            found = OdooAccount.search([*OdooAccount._check_company_domain(company), ("code", "=", xacc.code)])
            if len(found) == 1 and found.id not in taken:
                xacc.account_id = found
                taken.add(found.id)
        journals = self.env["account.journal"].sudo().search([
            *self.env["account.journal"]._check_company_domain(company), ("type", "in", ("bank", "cash"))])
        taken = set(xero_accounts.journal_id.ids)
        for xacc in xero_accounts.filtered(lambda a: a.type == "BANK" and not a.journal_id):
            number = norm_vat(xacc.bank_account_number)
            name = xacc.name.strip().lower()
            candidates = journals.filtered(
                lambda j, n=number: n and norm_vat(j.bank_account_id.acc_number) == n)
            if not candidates:
                candidates = journals.filtered(lambda j, n=name: j.name.strip().lower() == n)
            if len(candidates) == 1 and candidates.id not in taken:
                xacc.journal_id = candidates
                taken.add(candidates.id)

    # ------------------------------------------------------------ tax rates
    def _xero_import_tax_rates(self, client, run):
        elements = client.accounting("get_tax_rates").data.get("TaxRates") or []
        Rate = self.env["xero.tax.rate"].sudo()
        existing = Rate.search([("connection_id", "=", self.id)])
        values_list = [dict(master.tax_rate_values(r), connection_id=self.id) for r in elements]
        counts, rows = self._xero_upsert(
            Rate, {r.tax_type: r for r in existing}, "tax_type", values_list, run, "tax_rate")
        counts["updated"] += self._xero_mark_missing(existing, set(rows), "tax_type")
        return counts

    # ------------------------------------------------------------ tracking
    def _xero_import_tracking(self, client, run):
        """Categories (archived ones too) and their options; a category or
        option is mapped to the analytic plan/account of the same name when
        exactly one exists."""
        elements = client.accounting("get_tracking_categories", include_archived=True) \
            .data.get("TrackingCategories") or []
        Category = self.env["xero.tracking.category"].sudo()
        Option = self.env["xero.tracking.option"].sudo()
        existing = Category.search([("connection_id", "=", self.id)])
        values_list = [dict(master.tracking_category_values(c), connection_id=self.id) for c in elements]
        counts, cats = self._xero_upsert(
            Category, {c.xero_id: c for c in existing}, "xero_id", values_list, run, "tracking")
        counts["updated"] += self._xero_mark_missing(existing, set(cats), "xero_id")
        for element in elements:
            cat = cats[element["TrackingCategoryID"]]
            opt_values = [dict(master.tracking_option_values(o), category_id=cat.id)
                          for o in element.get("Options") or []]
            sub_counts, opts = self._xero_upsert(
                Option, {o.xero_id: o for o in cat.option_ids}, "xero_id", opt_values, run, "tracking")
            sub_counts["updated"] += self._xero_mark_missing(cat.option_ids, set(opts), "xero_id")
            for k, v in sub_counts.items():
                counts[k] += v
        self._xero_link_tracking(Category.search([("connection_id", "=", self.id)]), Option)
        return counts

    def _xero_link_tracking(self, categories, Option):
        Plan = self.env["account.analytic.plan"].sudo()
        Analytic = self.env["account.analytic.account"].sudo()
        for cat in categories.filtered(lambda c: not c.analytic_plan_id and c.status == "ACTIVE"):
            plans = Plan.search([("name", "=", cat.name), ("parent_id", "=", False)])
            if len(plans) == 1 and not categories.filtered(lambda c, p=plans: c.analytic_plan_id == p):
                cat.analytic_plan_id = plans
        for cat in categories.filtered("analytic_plan_id"):
            for opt in cat.option_ids.filtered(lambda o: not o.analytic_account_id and o.status == "ACTIVE"):
                accounts = Analytic.search([("name", "=", opt.name), ("root_plan_id", "=", cat.analytic_plan_id.id),
                                            ("company_id", "in", [cat.company_id.id, False])])
                if len(accounts) == 1 and not Option.search_count([
                        ("connection_id", "=", self.id), ("analytic_account_id", "=", accounts.id)]):
                    opt.analytic_account_id = accounts

    # ------------------------------------------------------------ items
    def _xero_import_items(self, client, run):
        """Items as products, matched on internal reference = Xero code.

        A product of another company is never touched; a product whose
        values equal Xero's is not written."""
        elements = client.accounting("get_items").data.get("Items") or []
        company = self.company_id
        Product = self.env["product.product"].sudo().with_company(company).with_context(active_test=False)
        codes = [i["Code"] for i in elements if i.get("Code")]
        products = Product.search([("default_code", "in", codes), ("company_id", "in", [company.id, False])])
        by_code = {}
        for product in products:
            by_code.setdefault(product.default_code, product)
        counts = {"created": 0, "updated": 0, "unchanged": 0}
        to_create = []
        for item in elements:
            if not item.get("Code"):
                continue
            values = master.product_values(item)
            product = by_code.get(item["Code"])
            if not product:
                to_create.append(dict(values, company_id=company.id))
                continue
            changes = master.changed_values(product, values)
            if changes:
                product.write(changes)
                counts["updated"] += 1
                self._xero_log_import(run, "item", product, _("Updated from Xero."))
            else:
                counts["unchanged"] += 1
        if to_create:
            created = Product.create(to_create)
            counts["created"] = len(created)
            for product in created:
                self._xero_log_import(run, "item", product, _("Imported from Xero."))
        return counts
