"""What the RPC sweep calls each method on, and with what.

``RECORDS``: per model, the real records (of the tested company) a method
of that model is called on. Records of transient models (wizards) are
made for the calling user (their ``create_uid``), as the web client would
have opened them, so that what is tested is the method's own check and not
the rule that hides other users' wizards.

``CALLS``: the arguments of the methods that take more than their records
(over JSON: ids, strings, dicts). Each is what an attacker would send.

A model or a method the sweep finds and these tables do not know fails
the sweep with what to add: nothing is skipped silently.
"""

import base64
import json
from datetime import timedelta

from odoo import Command, fields
from odoo.tools import SQL

from xero_emulator import DEMO

FORGED_ID = "0f0e0d0c-0b0a-4909-8807-060504030201"
BOUND_ID = "1e2d3c4b-5a69-4788-9796-a5b4c3d2e1f0"
EVIL = "https://collector.invalid"


class SweepFixtures:
    """The records of one sweep (``case``: the test class, set up by
    ``TestRpcSweep.setUpClass``), and the wizards of one user."""

    def __init__(self, case, user):
        self.case = case
        self.env = case.env
        self.user = user
        self.company = case.env.company
        self.conn = case.connection
        self._wizards = {}

    def sudo_as_user(self, model):
        """``model`` for making records; :meth:`wizard` gives them to the calling user."""
        return self.env[model].sudo().with_company(self.company)

    def own(self, records):
        """Make the calling user the creator of ``records`` (transient records
        are visible to their creator only), as if they had opened them."""
        self.env.flush_all()
        self.env.cr.execute(SQL("UPDATE %s SET create_uid = %s WHERE id IN %s",
                                SQL.identifier(records._table), self.user.id, tuple(records.ids)))
        records.invalidate_recordset(["create_uid"])
        return records

    # ------------------------------------------------------------ wizards of the user
    def wizard(self, model):
        if model not in self._wizards:
            self._wizards[model] = self.own(getattr(self, "_make_" + model.replace(".", "_"))())
        return self._wizards[model]

    def _make_res_config_settings(self):
        return self.sudo_as_user("res.config.settings").create({})

    def _make_xero_setup_wizard(self):
        # at its last step, every step answered: Finish would store the choices
        return self.sudo_as_user("xero.setup.wizard").create({
            "company_id": self.company.id, "step": "confirm", "import_choice": "no", "send_mode": "manual",
            "start_date_choice": "custom", "import_start_date": "2019-01-01", "start_date_confirmed": True,
            "send_mode_confirmed": True})

    def _make_xero_link_contact(self):
        return self.sudo_as_user("xero.link.contact").with_context(
            default_partner_id=self.case.partner_b.id).create({})

    def _make_xero_link_contact_result(self):
        wizard = self.wizard("xero.link.contact")
        result = self.sudo_as_user("xero.link.contact.result").create({
            "wizard_id": wizard.id, "contact_id": FORGED_ID, "name": "Found Contact", "status": "ACTIVE"})
        wizard.selected_id = result
        return result

    def _make_xero_contact_import(self):
        """With a listed contact, ticked: "Import" would create its partner."""
        wizard = self.sudo_as_user("xero.contact.import").create({"connection_id": self.conn.id, "searched": True})
        self.own(self.sudo_as_user("xero.contact.import.line").create({
            "wizard_id": wizard.id, "contact_id": FORGED_ID, "name": "Listed Contact", "selected": True,
            "data": json.dumps({"ContactID": FORGED_ID, "Name": "Listed Contact"})}))
        return wizard

    def _make_xero_contact_import_line(self):
        return self.wizard("xero.contact.import").line_ids

    def _make_xero_dry_run(self):
        return self.sudo_as_user("xero.dry.run").create({"connection_id": self.conn.id})

    def _make_xero_dry_run_line(self):
        return self.sudo_as_user("xero.dry.run.line").create({
            "wizard_id": self.wizard("xero.dry.run").id, "res_model": "account.move",
            "res_id": self.case.invoice.id, "record_name": self.case.invoice.name, "action": "upsert"})

    def _make_xero_mapping_wizard(self):
        """A list of suggestions whose one line is accepted: saving it would map an account."""
        xero_account = self.env["xero.account"].sudo().search(
            [("connection_id", "=", self.conn.id), ("code", "=", "260")])
        return self.sudo_as_user("xero.mapping.wizard").create({
            "connection_id": self.conn.id, "line_ids": [Command.create({
                "kind": "account", "account_id": self.case.company_data["default_account_expense"].id,
                "xero_account_id": xero_account.id, "suggested_account_id": xero_account.id,
                "suggested_reason": "similar name", "accept": True})]})

    def _make_xero_mapping_wizard_line(self):
        return self.wizard("xero.mapping.wizard").line_ids[:1]

    def _make_xero_reconciliation(self):
        return self.sudo_as_user("xero.reconciliation").create({
            "connection_id": self.conn.id, "date_from": "2019-01-01", "date_to": "2019-12-31"})

    def _make_xero_reconciliation_line(self):
        return self.sudo_as_user("xero.reconciliation.line").create({
            "wizard_id": self.wizard("xero.reconciliation").id, "kind": "status",
            "move_id": self.case.invoice.id, "name": self.case.invoice.name})

    def _make_xero_oauth_state(self):
        """An authorisation of this user, waiting for the choice of organisation."""
        token = self.case.emulator.issue_token(client_id=DEMO.client_id, tenant_ids=[DEMO.tenant_id])
        token["obtained_at"] = fields.Datetime.now().timestamp()
        return self.env["xero.oauth.state"].sudo().create({
            "connection_id": self.conn.id, "user_id": self.user.id, "state_hash": f"sweep-{self.user.id}",
            "session_hash": "sweep", "code_verifier": "sweep", "redirect_uri": "http://odoo.test/xero/oauth/callback",
            "scope": "offline_access", "expires_at": fields.Datetime.now() + timedelta(minutes=10),
            "status": "authorised", "token_json": json.dumps(token),
            "organisations_json": json.dumps([{"id": "sweep-connection", "tenantId": DEMO.tenant_id,
                                               "tenantName": DEMO.tenant_name}]),
        })

    def _make_xero_connect_wizard(self):
        wizard = self.env["xero.connect.wizard"].with_user(self.user).sudo().create(
            {"pending_id": self.wizard("xero.oauth.state").id})
        wizard.line_id = wizard.line_ids[:1]
        return wizard

    def _make_xero_connect_wizard_line(self):
        return self.wizard("xero.connect.wizard").line_ids[:1]

    # ------------------------------------------------------------ records
    def records(self, model):
        """The records ``model``'s methods are called on, or None when unknown."""
        if self.env[model]._transient:
            maker = getattr(self, "_make_" + model.replace(".", "_"), None)
            return self.wizard(model) if maker else None
        case = self.case
        found = {
            "xero.connection": lambda: self.conn,
            "account.account": lambda: case.company_data["default_account_revenue"],
            "account.move": lambda: case.invoice,
            "account.move.line": lambda: case.invoice.invoice_line_ids,
            "account.payment": lambda: case.payment,
            "res.partner": lambda: case.contact_person,
            "ir.attachment": lambda: case.attachment,
            "product.product": lambda: case.product_a,
            "purchase.order": lambda: case.order,
            "xero.queue": lambda: case.row,
            "xero.sync.run": lambda: case.sync_run,
            "xero.sync.log": lambda: case.sync_log,
            "xero.activity": lambda: self.env["xero.activity"].sudo().search([("run_id", "=", case.sync_run.id)]),
            "xero.import.job": lambda: case.job,
            "xero.contact.match": lambda: case.match,
            "xero.account": lambda: case.xero_account,
            "xero.tax.rate": lambda: self.env["xero.tax.rate"].sudo().search(
                [("connection_id", "=", self.conn.id)], limit=1),
            "xero.tracking.category": lambda: self.env["xero.tracking.category"].sudo().search(
                [("connection_id", "=", self.conn.id)], limit=1),
        }.get(model)
        return found() if found else None

    # ------------------------------------------------------------ arguments
    def calls(self):
        """``{(model, method): (args after the ids, context)}``."""
        case, company = self.case, self.company
        invoice = case.invoice
        receivable = invoice.line_ids.filtered(lambda line: line.account_id.account_type == "asset_receivable")
        counterpart = case.payment.move_id.line_ids.filtered(lambda line: line.account_id == receivable.account_id)
        return {
            ("xero.connection", "write"): ([{"identity_url": EVIL, "send_mode": "auto"}], {}),
            ("xero.connection", "create"): ([{"company_id": company.id, "identity_url": EVIL}], {}),
            ("xero.account", "write"): ([{"account_id": case.company_data["default_account_expense"].id}], {}),
            ("xero.account", "create"): ([{"connection_id": self.conn.id, "xero_id": FORGED_ID, "name": "Forged",
                                           "account_id": case.company_data["default_account_expense"].id}], {}),
            ("res.partner", "write"): ([{"xero_contact_id": FORGED_ID, "street": "Sweep street"}], {}),
            ("res.partner", "create"): ([{"name": "Sweep Ltd", "xero_contact_id": FORGED_ID}], {}),
            ("account.move", "write"): ([{"xero_id": FORGED_ID, "ref": "SWEEP"}], {}),
            ("account.move.line", "write"): ([{"name": "Sweep"}], {}),
            # Xero ids written by hand (overrides that may come to guard them)
            ("account.payment", "write"): ([{"xero_payment_id": FORGED_ID}], {}),
            ("product.product", "write"): ([{"xero_item_id": FORGED_ID, "name": "Sweep product"}], {}),
            ("product.product", "create"): ([{"name": "Sweep product", "xero_item_id": FORGED_ID}], {}),
            ("purchase.order", "write"): ([{"xero_id": FORGED_ID, "partner_ref": "SWEEP"}], {}),
            ("purchase.order", "create"): ([{"partner_id": case.partner_a.id, "xero_id": FORGED_ID}], {}),
            ("account.account", "write"): ([{"xero_account_id": FORGED_ID, "xero_code": "999"}], {}),
            ("account.partial.reconcile", "create"): ([{
                "debit_move_id": receivable.id, "credit_move_id": counterpart[:1].id, "amount": 1.0,
                "debit_amount_currency": 1.0, "credit_amount_currency": 1.0}], {}),
            ("ir.attachment", "create"): ([{
                "name": "sweep.txt", "datas": base64.b64encode(b"sweep").decode(), "res_model": "account.move",
                "res_id": invoice.id}], {}),
            ("xero.connect.wizard", "create"): ([{"pending_id": self.wizard("xero.oauth.state").id}], {}),
            ("xero.setup.wizard", "create"): ([{"company_id": company.id}], {}),
            ("xero.setup.wizard", "default_get"): ([["connection_id", "send_mode", "import_choice"]], {}),
            ("xero.contact.import.line", "write"): ([{"data": json.dumps({"ContactID": FORGED_ID,
                                                                           "Name": "Forged"})}], {}),
            ("xero.link.contact", "default_get"): (
                [["partner_id", "connection_id", "current_contact_id"]], {"default_partner_id": case.partner_a.id}),
            ("xero.binder", "to_records"): (["res.partner", [BOUND_ID], company.id], {}),
            ("xero.binder", "to_record"): (["res.partner", BOUND_ID, company.id], {}),
            ("xero.binder", "to_xero"): ([case.partner_a.id, company.id], {}),
            ("xero.binder", "bind"): ([case.partner_b.id, FORGED_ID, company.id], {}),
            ("xero.binder", "bind_many"): (["res.partner", {str(case.partner_b.id): FORGED_ID}, company.id], {}),
            ("xero.binder", "unbind"): ([case.partner_a.id, company.id], {}),
        }
