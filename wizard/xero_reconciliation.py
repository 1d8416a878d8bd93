"""The Odoo ⇄ Xero reconciliation report (Accounting ▸ Xero ▸ Reconciliation).

1. **Check API use** (:meth:`action_estimate`): one call per collection
   (invoices, credit notes) asks Xero how many documents changed since the
   last report (``page=1&pageSize=1`` with ``If-Modified-Since``; Xero's
   ``pagination.itemCount``). The report will use ``ceil(count / 1000)``
   calls per collection — shown with what is left of the day's budget.
2. **Run** (:meth:`action_run`): reads those pages into the local snapshots
   (``xero.remote.document``, :mod:`..sync.importers.documents`), compares
   them with Odoo (:mod:`..services.reconciliation`) and lists what differs.
3. Export the lines to a spreadsheet, or email it.

Three reports over the same reads: the differences (the default: what
differs, nothing when all agrees), the summary (any range: per kind of
document and per account, each side's counts, totals and payments) and the
detailed report (at most one month, refused before any call when longer:
every document line by line, its payments compared, payments present on
one side only) — :mod:`.reconciliation_report`. Every line opens its Odoo
record and its Xero document (Xero's deep link; the organisation's
ShortCode is read once, by the first summary or detailed report).

Both reads are runs of kind ``reconciliation`` (``xero.sync.run``): they
take the report's own lock of the connection — one report reads Xero at a
time, while the sync goes on — and a failed read is recorded on its run and
shown to the user. Every button checks that the user is a Xero user.
"""

import base64
import io
from datetime import date

import xlsxwriter
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import email_normalize, email_split

from ..services import reconciliation as recon
from ..services.errors import XeroMappingError
from ..sync import organisation
from ..sync.actions import check_user, user_errors
from ..sync.importers import documents
from ..sync.run import SyncRun
from . import reconciliation_report as report

MOVE_TYPES = ("out_invoice", "out_refund", "in_invoice", "in_refund")
LINE_KINDS = [
    ("missing_xero", "Missed in Xero"),
    ("missing_odoo", "Missed in Odoo"),
    ("status", "Status differs"),
    ("tax", "Tax differs"),
    ("total", "Total differs"),
    ("amount_due", "Amount due differs"),
    ("balance", "Account balance differs"),
    ("paid", "Amount paid differs"),
    ("payment_odoo", "Payment in Odoo only"),
    ("payment_xero", "Payment in Xero only"),
    ("matched", "Agrees"),
]
REPORT_TYPES = [("differences", "Differences"), ("summary", "Summary"), ("detailed", "Detailed (one month)")]


def _month_start():
    today = fields.Date.today()
    return date(today.year, today.month, 1)


class XeroReconciliation(models.TransientModel):
    _name = "xero.reconciliation"
    _description = "Odoo / Xero Reconciliation"
    _check_company_auto = True

    connection_id = fields.Many2one(
        "xero.connection", required=True, ondelete="cascade",
        default=lambda self: self.env["xero.connection"]._for_company())
    company_id = fields.Many2one(related="connection_id.company_id", store=True)
    date_from = fields.Date("From", required=True, default=_month_start)
    date_to = fields.Date("To", required=True, default=fields.Date.context_today)
    report_type = fields.Selection(REPORT_TYPES, "Report", default="differences", required=True,
                                   help="Differences: only what differs. Summary: counts and totals per kind of "
                                   "document and per account, any range. Detailed: every document and payment, "
                                   "line by line, one month at most.")
    range_warning = fields.Char(compute="_compute_range_warning")
    summary_ids = fields.One2many("xero.reconciliation.summary", "wizard_id", readonly=True)
    date_start = fields.Date(
        "Compared from", compute="_compute_date_start",
        help="Documents dated before the connection's start date are never sent to Xero and are "
        "not compared.")
    account_ids = fields.Many2many(
        "account.account", string="Accounts", check_company=True,
        help="Accounts whose balances are compared. Empty: every account used on the documents.")
    email_to = fields.Char("Email the result to", help="Addresses separated by commas.")
    state = fields.Selection(
        [("draft", "To check"), ("estimated", "Ready"), ("done", "Done")], default="draft", required=True)
    count_invoices = fields.Integer("Invoices and bills to read", readonly=True)
    count_credit_notes = fields.Integer("Credit notes to read", readonly=True)
    estimate_calls = fields.Integer("API calls the report will use", readonly=True)
    probe_calls = fields.Integer("API calls used to count", readonly=True)
    day_remaining = fields.Integer("API calls left today", readonly=True)
    api_calls = fields.Integer("API calls used", readonly=True)
    line_ids = fields.One2many("xero.reconciliation.line", "wizard_id", readonly=True)
    fully_reconciled = fields.Boolean(readonly=True)
    summary = fields.Char(readonly=True)
    export_file = fields.Binary("Spreadsheet", readonly=True, attachment=False)
    export_filename = fields.Char(readonly=True)

    @api.depends("date_from", "date_to")
    def _compute_display_name(self):
        for wiz in self:
            wiz.display_name = self.env._("Reconciliation %(start)s to %(end)s", start=wiz.date_from or "…",
                                          end=wiz.date_to or "…")

    @api.depends("date_from", "connection_id.import_start_date")
    def _compute_date_start(self):
        for wiz in self:
            start = wiz.connection_id.import_start_date
            wiz.date_start = max(wiz.date_from, start) if wiz.date_from and start else wiz.date_from

    @api.depends("report_type", "date_from", "date_to")
    def _compute_range_warning(self):
        for wiz in self:
            wiz.range_warning = report.detail_range_error(wiz) or False

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for wiz in self:
            if wiz.date_from and wiz.date_to and wiz.date_from > wiz.date_to:
                raise UserError(self.env._("The start date must be before the end date."))

    # ------------------------------------------------------------ actions
    def _reopen(self):
        return {"type": "ir.actions.act_window", "res_model": self._name, "res_id": self.id,
                "view_mode": "form", "target": "current"}

    def _read_xero(self, operation, work):
        """Call ``work(ctx)`` inside a reconciliation run of the connection.

        Raises UserError when the connection is not connected, when another
        report of it is reading Xero, or — once the run is recorded as
        failed — with the reason the read failed (Xero's errors said for a
        user, as :func:`..sync.actions.user_errors` words them)."""
        conn = self.connection_id
        conn._ensure_connected()
        sync = SyncRun(conn, "reconciliation", "manual", operation=operation, one_off=True)
        try:
            with sync as ctx, user_errors(self.env):
                work(ctx)
        except UserError as exc:
            # only entering raises here (the run records what its work raises): the lock is taken
            raise UserError(self.env._("A reconciliation report of %(org)s is already reading Xero; try again "
                                       "when it has finished.", org=conn.display_name)) from exc
        if sync.state:
            raise UserError(sync.message)
        return sync

    def action_estimate(self):
        """Count what changed in Xero since the last report and say what the
        report will cost (see the module doc); uses one call per collection."""
        self.ensure_one()
        check_user(self.env)
        self._check_range()
        self._read_xero(self.env._("Reconciliation report: API use"),
                        lambda ctx: self._store_estimate(documents.count_changes(ctx), ctx))
        return self._reopen()

    def _store_estimate(self, counts, ctx):
        self.write({
            "state": "estimated",
            "count_invoices": counts.get("Invoices") or 0,
            "count_credit_notes": counts.get("CreditNotes") or 0,
            "estimate_calls": documents.call_estimate(counts) + self._short_code_calls(),
            "probe_calls": ctx.api.calls,
            "day_remaining": ctx.client.day_remaining or 0,
            "api_calls": 0,
        })

    def action_run(self):
        """Read the changed documents (exactly the pages estimated), compare,
        list; email the result when addresses are given."""
        self.ensure_one()
        check_user(self.env)
        self._check_range()
        self._read_xero(self.env._("Reconciliation report"), self._run_report)
        if self.email_to:
            self._send_email()
        return self._reopen()

    def _run_report(self, ctx):
        if self.state != "estimated":
            self._store_estimate(documents.count_changes(ctx), ctx)
        counts = {"Invoices": self.count_invoices, "CreditNotes": self.count_credit_notes}
        before = ctx.api.calls
        documents.refresh(ctx, counts)
        if self.report_type != "differences":
            organisation.short_code(self.connection_id, ctx.api)
        self.api_calls = ctx.api.calls - before
        if self.report_type == "differences":
            self._compare()
        else:
            report.build(self)
        self._log_run(ctx.run)

    def _check_range(self):
        error = report.detail_range_error(self)
        if error:
            raise UserError(error)

    def _short_code_calls(self):
        """The call the summary and detailed reports make once, for Xero's deep links."""
        return int(self.report_type != "differences" and not organisation.known_short_code(self.connection_id))

    # ------------------------------------------------------------ comparison
    def _xero_code(self, account, cache):
        if account.id not in cache:
            try:
                cache[account.id] = self.env["xero.account"]._xero_code_for(self.connection_id, account)
            except XeroMappingError:
                cache[account.id] = account.code
        return cache[account.id]

    def _odoo_status(self, move):
        if move.state == "draft":
            return "draft"
        if move.state == "cancel":
            return "cancelled"
        if move.payment_state in ("paid", "in_payment", "reversed"):
            return "paid"
        return "open"

    def _odoo_docs(self, start, end, linked_ids, code_cache):
        company = self.company_id
        Move = self.env["account.move"].sudo().with_company(company)
        base = [("company_id", "=", company.id), ("move_type", "in", MOVE_TYPES)]
        in_range = Move.search([*base, ("invoice_date", ">=", start), ("invoice_date", "<=", end),
                                "|", ("state", "!=", "draft"), ("xero_id", "!=", False)])
        linked = Move.search([*base, ("xero_id", "in", list(linked_ids))]) - in_range if linked_ids else Move
        moves = in_range | linked
        balances = {}
        groups = self.env["account.move.line"].sudo()._read_group(
            [("move_id", "in", moves.ids), ("display_type", "in", ("product", "rounding")),
             ("tax_repartition_line_id", "=", False)],
            ["move_id", "account_id"], ["balance:sum"])
        for move, account, balance in groups:
            code = self._xero_code(account, code_cache)
            per_move = balances.setdefault(move.id, {})
            per_move[code] = per_move.get(code, 0.0) + balance
        states = dict(Move._fields["xero_state"].selection)
        in_range_ids = set(in_range.ids)
        docs = []
        for move in moves:
            note = ""
            if not move.xero_id:
                note = self.env._("Xero status in Odoo: %(state)s. %(message)s",
                         state=states.get(move.xero_state, ""), message=move.xero_message or "").strip()
            docs.append(recon.OdooDoc(
                id=move.id, name=move.name, xero_id=move.xero_id or "", status=self._odoo_status(move),
                total=move.amount_total, tax=move.amount_tax, due=move.amount_residual,
                currency=move.currency_id.name, digits=move.currency_id.decimal_places,
                partner=move.partner_id.display_name or "", date=move.invoice_date,
                in_range=move.id in in_range_ids,
                balances={c: round(a, 2) for c, a in balances.get(move.id, {}).items()}, note=note,
                move_type=move.move_type))
        return docs

    def _xero_docs(self, start, end, odoo_ids):
        Snapshot = self.env["xero.remote.document"].sudo()
        conn = [("connection_id", "=", self.connection_id.id)]
        in_range = Snapshot.search([*conn, ("date", ">=", start), ("date", "<=", end)])
        linked = Snapshot.search([*conn, ("xero_id", "in", list(odoo_ids))]) - in_range if odoo_ids else Snapshot
        base = self.company_id.currency_id.name
        in_range_ids = set(in_range.ids)
        return {snap.xero_id: recon.XeroDoc(
            xero_id=snap.xero_id, number=snap.number or "", xero_type=snap.xero_type or "",
            status=snap.status or "", total=snap.total, tax=snap.total_tax, due=snap.amount_due,
            currency=snap.currency_code or base, date=snap.date, contact=snap.contact_name or "",
            in_range=snap.id in in_range_ids, balances=snap.balances or {},
            foreign=(snap.currency_code or base) != base, paid=snap.amount_paid,
            payments={p["PaymentID"]: p.get("Amount") or 0.0 for p in snap.payments or []})
            for snap in in_range | linked}

    def _compare(self):
        """Compare the stored snapshots with Odoo and write the result lines."""
        start, end = self.date_start, self.date_to
        code_cache = {}
        Snapshot = self.env["xero.remote.document"].sudo()
        xero_in_range = Snapshot.search([("connection_id", "=", self.connection_id.id),
                                         ("date", ">=", start), ("date", "<=", end)])
        odoo_docs = self._odoo_docs(start, end, set(xero_in_range.mapped("xero_id")), code_cache)
        xero_docs = self._xero_docs(start, end, {d.xero_id for d in odoo_docs if d.xero_id})
        codes = {self._xero_code(a, code_cache) for a in self.account_ids} if self.account_ids else None
        draft_ok = self.connection_id.invoice_status in ("DRAFT", "SUBMITTED")
        results = recon.compare(odoo_docs, xero_docs, codes=codes, draft_ok=draft_ok)
        self.line_ids.unlink()
        self.env["xero.reconciliation.line"].create([self._line_values(r, code_cache) for r in results])
        counts = {}
        for line in self.line_ids:
            counts[line.kind] = counts.get(line.kind, 0) + 1
        labels = dict(self.env["xero.reconciliation.line"]._fields["kind"]._description_selection(self.env))
        order = [kind for kind, _label in LINE_KINDS]
        summary = ", ".join(f"{labels[k]}: {n}" for k, n in sorted(counts.items(), key=lambda kv: order.index(kv[0])))
        self.write({
            "state": "done",
            "fully_reconciled": not results,
            "summary": self.env._("Fully reconciled: Odoo and Xero agree on %(count)s document(s).",
                         count=len(odoo_docs)) if not results else summary,
            "export_file": False,
            "export_filename": False,
        })

    def _line_values(self, result, code_cache):
        values = {k: v for k, v in result.items() if k in self.env["xero.reconciliation.line"]._fields}
        values["wizard_id"] = self.id
        if result["kind"] == "balance":
            accounts = [a for a, c in code_cache.items() if c == result["account_code"]]
            values["account_id"] = accounts[0] if accounts else False
        values["description"] = self.env["xero.reconciliation.line"]._describe(result)
        return values

    def _log_run(self, run):
        """The report's outcome, logged on its run (closed by the run itself)."""
        self.env["xero.sync.log"]._log(
            self.connection_id, "report", "import", "done", run=run,
            message=self.env._("%(from)s to %(to)s: %(summary)s", **{"from": self.date_start, "to": self.date_to,
                                                            "summary": self.summary}))

    # ------------------------------------------------------------ export
    def _xlsx(self):
        """The result as an .xlsx file (bytes)."""
        self.ensure_one()
        out = io.BytesIO()
        book = xlsxwriter.Workbook(out, {"in_memory": True})
        sheet = book.add_worksheet(self.env._("Reconciliation"))
        bold = book.add_format({"bold": True})
        money = book.add_format({"num_format": "#,##0.00"})
        day = book.add_format({"num_format": "yyyy-mm-dd"})
        sheet.write(0, 0, self.env._("Odoo / Xero reconciliation"), bold)
        sheet.write(1, 0, self.env._("Organisation"))
        sheet.write(1, 1, self.connection_id.display_name)
        sheet.write(2, 0, self.env._("Period"))
        sheet.write(2, 1, self.env._("%(start)s to %(end)s", start=self.date_start, end=self.date_to))
        sheet.write(3, 0, self.env._("Result"))
        sheet.write(3, 1, self.summary or "")
        t = self.env._
        headers = [t("Difference"), t("Document"), t("Xero number"), t("Partner"), t("Date"), t("Currency"),
                   t("Odoo total"), t("Xero total"), t("Odoo tax"), t("Xero tax"), t("Odoo amount due"),
                   t("Xero amount due"), t("Odoo status"), t("Xero status"), t("Account"),
                   t("Odoo balance"), t("Xero balance"), t("Details")]
        for col, header in enumerate(headers):
            sheet.write(5, col, header, bold)
        labels = dict(self.env["xero.reconciliation.line"]._fields["kind"]._description_selection(self.env))
        for row, line in enumerate(self.line_ids, start=6):
            sheet.write(row, 0, labels.get(line.kind, line.kind))
            sheet.write(row, 1, line.name or "")
            sheet.write(row, 2, line.xero_number or "")
            sheet.write(row, 3, line.partner or "")
            if line.date:
                sheet.write_datetime(row, 4, fields.Datetime.to_datetime(line.date), day)
            sheet.write(row, 5, line.currency or "")
            for col, field in enumerate(("odoo_total", "xero_total", "odoo_tax", "xero_tax", "odoo_due",
                                         "xero_due"), start=6):
                if line.kind not in ("balance",):
                    sheet.write_number(row, col, line[field] or 0.0, money)
            sheet.write(row, 12, line.odoo_status or "")
            sheet.write(row, 13, line.xero_status or "")
            sheet.write(row, 14, line.account_code or "")
            if line.kind == "balance":
                sheet.write_number(row, 15, line.odoo_balance, money)
                sheet.write_number(row, 16, line.xero_balance, money)
            sheet.write(row, 17, line.description or "")
        sheet.set_column(0, 3, 22)
        sheet.set_column(17, 17, 60)
        report.write_summary_sheet(self, book)
        book.close()
        return out.getvalue()

    def _filename(self):
        return f"xero-reconciliation-{self.date_start}-{self.date_to}.xlsx"

    def action_export_xlsx(self):
        """Download the result as a spreadsheet (Xero users)."""
        self.ensure_one()
        check_user(self.env)
        self._ensure_done()
        self.write({"export_file": base64.b64encode(self._xlsx()), "export_filename": self._filename()})
        return {
            "type": "ir.actions.act_url", "target": "self",
            "url": f"/web/content/?model={self._name}&id={self.id}&field=export_file"
                   f"&filename_field=export_filename&download=true",
        }

    def action_send_email(self):
        """Email the spreadsheet and the summary to ``email_to`` (queued; Xero users)."""
        self.ensure_one()
        check_user(self.env)
        mail = self._send_email()
        return {
            "type": "ir.actions.client", "tag": "display_notification",
            "params": {"type": "success", "title": self.env._("Xero reconciliation"),
                       "message": self.env._("The report is on its way to %(to)s.", to=mail.email_to)},
        }

    def _send_email(self):
        self._ensure_done()
        addresses = [email_normalize(a) for a in email_split(self.email_to or "")]
        if not addresses or not all(addresses):
            raise UserError(self.env._("Enter one or more valid email addresses, separated by commas."))
        body = Markup("<p>%s</p><p>%s</p>") % (
            self.env._("Odoo / Xero reconciliation of %(org)s, %(start)s to %(end)s.",
              org=self.connection_id.display_name, start=self.date_start, end=self.date_to),
            self.summary or "")
        return self.env["mail.mail"].sudo().create({
            "subject": self.env._("Xero reconciliation %(start)s to %(end)s: %(result)s", start=self.date_start,
                         end=self.date_to, result=self.env._("fully reconciled") if self.fully_reconciled
                         else self.env._("%(count)s difference(s)", count=len(self.line_ids))),
            "email_to": ",".join(addresses),
            "email_from": self.company_id.email_formatted or self.env.user.email_formatted,
            "body_html": body,
            "attachment_ids": [(0, 0, {"name": self._filename(), "raw": self._xlsx(),
                                       "mimetype": "application/vnd.openxmlformats-officedocument."
                                                   "spreadsheetml.sheet"})],
        })

    def _ensure_done(self):
        if self.state != "done":
            raise UserError(self.env._("Run the report first."))
