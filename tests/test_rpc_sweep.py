"""The RPC sweep: every public method of this addon, called over real
JSON-RPC (``/web/dataset/call_kw``) on real records of the caller's company,
by a portal user, by an employee with no accounting right, and by a Xero
user (Invoicing) for what is the Xero administrator's.

Each call must be refused (an AccessError or UserError answer), leave every
xero.* row, every Xero id of a record and the partner, product, payment
and entry counts as they were, and send no request to Xero — except the
methods of ``READ_ONLY``, which may answer but must change and call nothing.

The methods are read from the registry (``rpc_methods``): a method added
later is swept without being listed here; one that takes arguments or runs
on a model the fixtures do not know fails the sweep with what to add.
"""

import json
import logging

from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon

from . import rpc_sweep_fixtures as fx
from .authority_common import (
    REFUSALS,
    XeroWatch,
    fingerprint_changes,
    required_params,
    role_user,
    rpc_methods,
    xero_fingerprint,
)
from .common import XeroMixin, get_emulator
from .common_export import XeroExportMixin

_logger = logging.getLogger(__name__)

#: methods that may answer these users, with why: they return a window action
#: (model, domain, ids given by the caller) and change and call nothing; the
#: records it shows are then read with the user's own access rights
_OPENS_A_LIST = "returns a window action only; its records are read with the user's own rights"
READ_ONLY = {
    ("xero.connection", "action_view_waiting"): _OPENS_A_LIST,
    ("xero.connection", "action_view_failed"): _OPENS_A_LIST,
    ("xero.connection", "action_view_sent"): _OPENS_A_LIST,
    ("xero.connection", "action_view_runs"): _OPENS_A_LIST,
    ("xero.connection", "action_view_log"): _OPENS_A_LIST,
    ("xero.connection", "action_xero_view_imports"): _OPENS_A_LIST,
    ("xero.connection", "action_xero_view_matches"): _OPENS_A_LIST,
    ("xero.connection", "action_open_dashboard"): _OPENS_A_LIST,
    ("account.move", "action_xero_open_queue"): _OPENS_A_LIST,
    ("purchase.order", "action_xero_open_queue"): _OPENS_A_LIST,
    ("res.partner", "action_xero_link"): "returns the link wizard's action (it says whether the company is "
                                         "connected); the wizard itself needs Xero: User",
    ("xero.import.job", "action_view_matches"): _OPENS_A_LIST,
    ("xero.contact.match", "action_open_partner"): "returns a form action on the match's partner, read with the "
                                                   "user's own rights",
    ("xero.setup.wizard", "default_get"): "returns the connection's setup choices, which a Xero user reads on "
                                          "the connection anyway; creates nothing",
}

#: what a Xero user does ("sending and viewing"): not swept for the Xero user
#: (it may send, and call Xero); everything else of the addon is the Xero
#: administrator's ("connecting, imports, mappings and manual ids")
XERO_USER_METHODS = {
    ("account.move", "action_xero_send"), ("account.move", "action_xero_export_attachments"),
    ("account.move", "action_xero_open_queue"),
    ("purchase.order", "action_xero_send"), ("purchase.order", "action_xero_export_attachments"),
    ("purchase.order", "action_xero_open_queue"),
    ("res.partner", "action_xero_export"), ("res.partner", "action_xero_link"),
    ("xero.connection", "action_send_now"), ("xero.connection", "action_xero_dry_run"),
    ("xero.dry.run", "action_send_now"), ("xero.queue", "action_retry"),
    ("xero.link.contact", "default_get"), ("xero.link.contact", "action_search"),
    ("xero.link.contact", "action_load_more"), ("xero.link.contact", "action_link_selected"),
    ("xero.link.contact", "action_unlink"), ("xero.link.contact", "action_show_linked"),
    ("xero.link.contact.result", "action_select"),
    ("xero.link.contact.result", "action_link"),
    ("xero.reconciliation", "action_estimate"), ("xero.reconciliation", "action_run"),
    ("xero.reconciliation", "action_export_xlsx"), ("xero.reconciliation", "action_send_email"),
    ("xero.queue", "action_open_record"), ("xero.sync.log", "action_open_record"), ("xero.activity", "action_refresh"),
    ("xero.dry.run.line", "action_open_record"), ("xero.reconciliation.line", "action_open_record"),
}
#: Odoo's own operations on its own models, overridden by the addon for its
#: bookkeeping (queueing what changed): an invoicing user is entitled to them;
#: a Xero id written by hand through them is TestAuthority's business
STANDARD_OPERATIONS = ("create", "write", "unlink", "button_draft", "button_cancel", "action_draft", "action_cancel")


def swept_for_xero_user(model, method):
    if (model, method) in XERO_USER_METHODS:
        return False
    return model.startswith("xero.") or method not in STANDARD_OPERATIONS


def refusal(answer):
    """The error class name when ``answer`` is a refusal, else None (see
    :data:`~.authority_common.REFUSALS`: a record not found or a failed
    constraint is no refusal)."""
    name = (answer.get("error") or {}).get("data", {}).get("name", "")
    module, _dot, cls_name = name.rpartition(".")
    return cls_name if module == "odoo.exceptions" and cls_name in REFUSALS else None


@tagged("post_install", "-at_install")
class TestRpcSweep(XeroExportMixin, XeroMixin, AccountTestInvoicingHttpCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.emulator = get_emulator()
        cls.emulator.reset()
        cls.connection = cls.xero_connect(cls.env.company)
        cls.xero_setup_export(base_url=None)
        company = cls.env.company
        cls.users = {role: role_user(cls.env, role, company, login=f"sweep_{role}")
                     for role in ("portal", "internal", "invoicing")}
        portal_partner = cls.users["portal"].partner_id
        # a posted invoice the portal user reads (queued for Xero when posted), its payment
        cls.invoice = cls.xero_move("out_invoice", partner=portal_partner)
        cls.invoice.sudo().message_subscribe(portal_partner.ids)
        cls.payment = cls.env["account.payment"].sudo().create({
            "payment_type": "inbound", "partner_type": "customer", "partner_id": portal_partner.id,
            "amount": 10.0, "journal_id": cls.company_data["default_journal_bank"].id})
        cls.payment.action_post()
        cls.attachment = cls.env["ir.attachment"].sudo().create({
            "name": "invoice.txt", "raw": b"invoice", "res_model": "account.move", "res_id": cls.invoice.id})
        # a confirmed purchase order the portal user (its vendor) reads, queued for Xero
        cls.connection.send_purchase_orders = True
        cls.order = cls.env["purchase.order"].sudo().create({"partner_id": portal_partner.id, "order_line": [
            (0, 0, {"product_id": cls.product_a.id, "product_qty": 2, "price_unit": 30.0})]})
        cls.order.button_confirm()
        cls.order.message_subscribe(portal_partner.ids)
        cls.contact_person = cls.env["res.partner"].sudo().create({"name": "Sweep Person",
                                                                    "parent_id": cls.partner_a.id})
        cls.partner_a.sudo().with_company(company).xero_contact_id = fx.BOUND_ID
        cls.row = cls.invoice.sudo().xero_queue_ids[:1]
        cls.row.write({"state": "failed", "message": "Xero said no"})
        sudo = cls.env(su=True)
        cls.sync_run = sudo["xero.sync.run"].create({"connection_id": cls.connection.id, "operation": "sweep"})
        cls.sync_log = sudo["xero.sync.log"]._log(cls.connection, "invoice", "export", "failed", record=cls.invoice,
                                             run=cls.sync_run, message="sweep")
        cls.job = sudo["xero.import.job"].create({"connection_id": cls.connection.id, "state": "failed"})
        cls.match = sudo["xero.contact.match"].create({
            "connection_id": cls.connection.id, "xero_contact_id": fx.FORGED_ID, "xero_name": "Sweep Match",
            "partner_id": cls.partner_b.id, "contact_data": json.dumps({"ContactID": fx.FORGED_ID,
                                                                         "Name": "Sweep Match"})})
        cls.xero_account = sudo["xero.account"].search([("connection_id", "=", cls.connection.id)], limit=1)

    def rpc(self, model, method, args, context=None):
        """One JSON-RPC call of the authenticated session; the decoded answer."""
        payload = {"jsonrpc": "2.0", "method": "call", "id": 1, "params": {
            "model": model, "method": method, "args": args,
            "kwargs": {"context": {"allowed_company_ids": [self.env.company.id], **(context or {})}}}}
        response = self.url_open(f"/web/dataset/call_kw/{model}/{method}", data=json.dumps(payload),
                                 headers={"Content-Type": "application/json"}, timeout=120)
        response.raise_for_status()
        return response.json()

    def test_sweep_portal_user(self):
        portal = self.users["portal"]
        self.assertEqual(self.invoice.with_user(portal).read(["name"])[0]["name"], self.invoice.name,
                         "the portal user reads their own invoice")
        self.sweep("portal", lambda model, method: True)

    def test_sweep_employee_without_accounting(self):
        self.sweep("internal", lambda model, method: True)

    def test_sweep_xero_user_on_administrator_methods(self):
        self.sweep("invoicing", swept_for_xero_user)

    def sweep(self, role, swept):
        """Call every method ``swept`` says as the user of ``role``; one subtest each."""
        methods = rpc_methods(self.env)
        self.assertIn(("account.move", "action_xero_send"), methods, "the enumeration finds the addon's methods")
        self.assertGreater(len(methods), 40)
        user = self.users[role]
        self.assertEqual(user.has_group("account_xero.group_xero_user"), role == "invoicing")
        self.assertFalse(user.has_group("account_xero.group_xero_manager"))
        watch = XeroWatch(self, self.emulator)
        self.authenticate(user.login, user.login)
        fixtures = fx.SweepFixtures(self, user)
        calls = fixtures.calls()
        not_refused = []
        for model, method in methods:
            if not swept(model, method):
                continue
            with self.subTest(role=role, method=f"{model}.{method}"):
                problem = self.sweep_one(watch, fixtures, calls, model, method)
                if problem:
                    not_refused.append(f"{model}.{method}: {problem}")
                    self.fail(f"{role} calls {model}.{method}: {problem}")
        if not_refused:
            _logger.warning("RPC sweep, %s: %s call(s) not refused:\n  %s", role, len(not_refused),
                            "\n  ".join(not_refused))

    def sweep_one(self, watch, fixtures, calls, model, method):
        """Call one method as the session's user; return what is wrong (or None)."""
        Model = self.env[model]
        api_kind = getattr(getattr(type(Model), method), "_api", None)  # model / model_create: no ids
        if (model, method) in calls:
            extra, context = calls[(model, method)]
        elif required_params(Model, method):
            return (f"takes {required_params(Model, method)}: add its arguments to CALLS "
                    "in tests/rpc_sweep_fixtures.py")
        else:
            extra, context = [], {}
        args = list(extra)
        if not api_kind:
            records = fixtures.records(model)
            if not records:
                return "no record to call it on: add one to SweepFixtures.records"
            args = [records.ids, *extra]
        self.env.flush_all()
        self.cr.execute("SAVEPOINT xero_sweep")
        try:
            before, mark = xero_fingerprint(self.env), watch.mark()
            with mute_logger("odoo.http"):
                answer = self.rpc(model, method, args, context=context)
            self.env.invalidate_all()
            changed = fingerprint_changes(before, xero_fingerprint(self.env))
            requests = watch.since(mark)
        finally:
            self.cr.execute("ROLLBACK TO SAVEPOINT xero_sweep")
            self.env.invalidate_all()
        problems = []
        refused = refusal(answer)
        outcome = (f"refused ({refused}: {answer['error']['data']['message'][:80]})" if refused
                   else "answered" if "result" in answer else "crashed")
        _logger.info("sweep %s %s.%s: %s", fixtures.user.login, model, method, outcome)
        if "error" in answer and not refused:
            problems.append(f"NOT refused: crashed with {answer['error']['data']['name']}: "
                            f"{answer['error']['data'].get('message', '')[:120]}")
        elif not refused and (model, method) not in READ_ONLY:
            problems.append("NOT refused: answered " + json.dumps(answer.get("result"), default=str)[:120])
        if changed:
            problems.append(f"changed {', '.join(changed)}")
        if requests:
            problems.append(f"called Xero: {', '.join(requests[:4])}")
        return "; ".join(problems) or None
