"""The Xero setup wizard: connect, import choice, documents to send (and the
status of purchase orders in Xero), accounts and taxes (suggested mappings),
start date, send mode, confirmation. Re-runnable: it opens with the
connection's current choices and writes them back (tracked in the
connection's chatter) on Finish."""

from datetime import datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from markupsafe import Markup, escape

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..sync import scheduler
from ..sync.actions import check_manager, waiting_of_types

STEPS = [
    ("connect", "Connect"),
    ("import", "Import data"),
    ("documents", "Documents to send"),
    ("mappings", "Accounts and taxes"),
    ("start_date", "Import start date"),
    ("send_mode", "Send mode"),
    ("confirm", "Confirmation"),
]
STEP_ORDER = [key for key, _label in STEPS]
START_DATE_CHOICES = [
    ("today", "Today"),
    ("first_entry", "The day this company started using Odoo Accounting"),
    ("quarter", "Start of this quarter"),
    ("fiscal_year", "Start of this fiscal year"),
    ("next_quarter", "Start of next quarter"),
    ("next_fiscal_year", "Start of next fiscal year"),
    ("custom", "Another date"),
]
INVOICE_TYPES = ("out_invoice", "out_refund", "in_invoice", "in_refund")
#: the connection's "Documents to send" fields, also the wizard's
DOCUMENT_FIELDS = ("send_invoices", "send_bills", "send_credit_notes", "send_purchase_orders")
PO_STATUSES = [("DRAFT", "Draft"), ("SUBMITTED", "Awaiting approval"), ("AUTHORISED", "Approved")]


def first_entry_date(company):
    """The date of ``company``'s first posted journal entry (the day it
    started using Odoo Accounting), or None when it has posted nothing."""
    first = company.env["account.move"].sudo().search(
        [("company_id", "=", company.id), ("state", "=", "posted")], order="date, id", limit=1)
    return first.date or None


def quick_start_date(company, choice, today):
    """The date of a quick choice for ``company`` on ``today``.

    Quarters are counted from the first day of the company's fiscal year
    (a fiscal year starting on 1 July has quarters starting in July,
    October, January and April). "The day this company started using Odoo
    Accounting" is the date of its first posted entry (today when it has
    none)."""
    if choice == "first_entry":
        return first_entry_date(company) or today
    return period_start(company, choice, today)


def period_start(company, choice, today):
    """The date of a quick choice counted in periods (see :func:`quick_start_date`)."""
    fiscal = company.compute_fiscalyear_dates(today)
    fy_start = fiscal["date_from"]
    if choice == "today":
        return today
    if choice == "fiscal_year":
        return fy_start
    if choice == "next_fiscal_year":
        return fiscal["date_to"] + timedelta(days=1)
    months = (today.year - fy_start.year) * 12 + today.month - fy_start.month
    if today.day < fy_start.day:
        months -= 1
    quarter_start = fy_start + relativedelta(months=(months // 3) * 3)
    if choice == "quarter":
        return quarter_start
    if choice == "next_quarter":
        return quarter_start + relativedelta(months=3)
    return None


class XeroSetupWizard(models.TransientModel):
    _name = "xero.setup.wizard"
    _description = "Xero setup"
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    connection_id = fields.Many2one("xero.connection", required=True, ondelete="cascade",
                                    check_company=True)
    step = fields.Selection(STEPS, default="connect", required=True)
    connection_state = fields.Selection(related="connection_id.state", string="Connection status")
    tenant_name = fields.Char(related="connection_id.tenant_name", string="Xero organisation")
    needs_credentials = fields.Boolean(compute="_compute_needs_credentials")
    mapping_todo = fields.Char(related="connection_id.mapping_todo", string="Not mapped")
    app_client_id = fields.Char("Client ID", groups="base.group_system")
    app_client_secret = fields.Char("Client Secret", groups="base.group_system")

    import_choice = fields.Selection(
        [("yes", "Yes, import all customers and suppliers from Xero"), ("no", "No")],
        string="Import contacts")
    import_confirmed = fields.Boolean(
        "I understand that the import takes the contacts as Xero holds them and cannot be undone")
    contact_title_id = fields.Many2one(
        "res.partner.title", "Title of imported persons",
        help="Xero has no title: the persons imported from Xero get this one (none unless you choose one).")

    send_invoices = fields.Boolean("Customer invoices", default=True)
    send_bills = fields.Boolean("Vendor bills", default=True)
    send_credit_notes = fields.Boolean("Credit notes", default=True)
    send_purchase_orders = fields.Boolean("Purchase orders")
    po_status = fields.Selection(PO_STATUSES, "Status of purchase orders in Xero", default="AUTHORISED",
                                 required=True)

    start_date_choice = fields.Selection(START_DATE_CHOICES, "Start", default="today", required=True)
    import_start_date = fields.Date(
        "Import start date", compute="_compute_import_start_date", store=True, readonly=False,
        precompute=True, required=True)
    documents_count = fields.Integer(compute="_compute_documents_count")
    start_date_confirmed = fields.Boolean(
        "I confirm this date: documents dated before it are never sent to Xero")

    send_mode = fields.Selection([("manual", "Manually"), ("auto", "Automatically")],
                                 default="manual", required=True)
    sync_interval = fields.Integer("Every (hours)", default=2)
    sync_start = fields.Datetime("Starting at", default=lambda self: self._default_sync_start())
    send_mode_confirmed = fields.Boolean("I confirm this send mode")

    summary = fields.Html(compute="_compute_summary", sanitize=False)

    # ------------------------------------------------------------ defaults
    @api.model
    def _default_sync_start(self):
        now = fields.Datetime.now()
        return datetime.combine(now.date(), time(now.hour)) + timedelta(hours=1)

    @api.model
    def default_get(self, fields_list):
        """The connection's current choices, so the wizard can be re-run."""
        values = super().default_get(fields_list)
        company = self.env["res.company"].browse(values.get("company_id")) or self.env.company
        conn = self.env["xero.connection"]._for_company(company)
        if conn:
            values.update({
                "connection_id": conn.id,
                "import_choice": "yes" if conn.import_contacts else values.get("import_choice"),
                "import_confirmed": conn.import_contacts,
                "contact_title_id": conn.contact_default_title_id.id,
                "send_mode": conn.send_mode,
                "sync_interval": conn.sync_interval or 2,
                "sync_start": conn.sync_start or values.get("sync_start"),
                "po_status": conn.po_status,
                **{name: conn[name] for name in DOCUMENT_FIELDS},
            })
            if conn.import_start_date:
                values.update({"start_date_choice": "custom", "import_start_date": conn.import_start_date})
        return values

    @api.model_create_multi
    def create(self, vals_list):
        """A company without a connection gets one (not connected yet)."""
        for vals in vals_list:
            if not vals.get("connection_id"):
                company = self.env["res.company"].browse(vals.get("company_id")) or self.env.company
                conn = self.env["xero.connection"]._for_company(company)
                if not conn:
                    self.env["xero.connection"].browse().check_access("create")
                    conn = self.env["xero.connection"].sudo().create({"company_id": company.id}).sudo(False)
                vals["connection_id"] = conn.id
        return super().create(vals_list)

    # ------------------------------------------------------------ computes
    @api.depends("connection_id")
    def _compute_needs_credentials(self):
        for wizard in self:
            conn = wizard.connection_id.sudo()
            wizard.needs_credentials = bool(conn) and not (conn.client_id and conn.client_secret)

    def _compute_display_name(self):
        for wizard in self:
            wizard.display_name = _("Xero setup")

    @api.depends("start_date_choice", "company_id")
    def _compute_import_start_date(self):
        today = fields.Date.context_today(self)
        for wizard in self:
            if wizard.start_date_choice != "custom" or not wizard.import_start_date:
                company = wizard.company_id or self.env.company
                wizard.import_start_date = quick_start_date(company, wizard.start_date_choice, today) or today
            else:
                wizard.import_start_date = wizard.import_start_date  # "another date": as typed

    @api.onchange("import_start_date")
    def _onchange_import_start_date(self):
        """A date typed by hand that is not the quick choice's is "another date"."""
        if self.start_date_choice != "custom" and self.import_start_date != quick_start_date(
                self.company_id or self.env.company, self.start_date_choice, fields.Date.context_today(self)):
            self.start_date_choice = "custom"

    @api.onchange(*DOCUMENT_FIELDS)
    def _onchange_documents(self):
        """A document type turned off: say what of the types off already waits."""
        conn = self.connection_id
        off = [name for name in DOCUMENT_FIELDS if conn and not self[name]]
        message = off and waiting_of_types(conn, off)
        if message:
            return {"warning": {"title": _("Documents to send"), "message": message}}
        return None

    @api.depends("import_start_date", "company_id")
    def _compute_documents_count(self):
        Move = self.env["account.move"]
        for wizard in self:
            if not wizard.import_start_date:
                wizard.documents_count = 0
                continue
            wizard.documents_count = Move.search_count([
                ("company_id", "=", (wizard.company_id or self.env.company).id),
                ("move_type", "in", INVOICE_TYPES), ("state", "=", "posted"),
                ("invoice_date", ">=", wizard.import_start_date)])

    @api.depends("tenant_name", "import_choice", "import_start_date", "send_mode", "sync_interval",
                 "sync_start", "start_date_choice", "po_status", "mapping_todo", "contact_title_id",
                 *DOCUMENT_FIELDS)
    def _compute_summary(self):
        for wizard in self:
            types = [wizard._fields[name].get_description(self.env)["string"] for name in DOCUMENT_FIELDS
                     if wizard[name]]
            if wizard.send_purchase_orders:
                status = dict(wizard._fields["po_status"]._description_selection(self.env))[wizard.po_status]
                types[-1] += f" ({status})"
            rows = [
                (_("Xero organisation"), wizard.tenant_name or _("not connected")),
                (_("Import contacts from Xero"),
                 _("Yes, all customers and suppliers") if wizard.import_choice == "yes" else _("No")),
            ]
            if wizard.import_choice == "yes":
                rows.append((_("Title of imported persons"), wizard.contact_title_id.name or _("None")))
            rows += [
                (_("Documents to send"), ", ".join(types) or _("none")),
                (_("Accounts and taxes"), wizard.mapping_todo or _("Everything in use is mapped")),
                (_("Import start date"), _(
                    "%(date)s: only documents dated on or after it are sent",
                    date=fields.Date.to_string(wizard.import_start_date) if wizard.import_start_date else "-")),
            ]
            if wizard.send_mode == "auto":
                start = fields.Datetime.context_timestamp(wizard, wizard.sync_start) if wizard.sync_start else None
                rows.append((_("Send mode"), _(
                    "Automatically every %(hours)s hour(s), from %(start)s",
                    hours=wizard.sync_interval, start=start.strftime("%Y-%m-%d %H:%M") if start else "-")))
            else:
                rows.append((_("Send mode"), _("Manually, with \"Send data now\" on the Xero dashboard")))
            body = Markup("").join(
                Markup("<tr><th class='pe-3'>%s</th><td>%s</td></tr>") % (escape(label), escape(value))
                for label, value in rows)
            wizard.summary = Markup("<table class='table table-sm o_xero_setup_summary'>%s</table>") % body

    # ------------------------------------------------------------- actions
    @api.model
    def _action_open(self, company=None):
        """The wizard action for ``company`` (default: the current one)."""
        company = company or self.env.company
        wizard = self.with_company(company).create({"company_id": company.id})
        return wizard._action_reopen()

    def _action_reopen(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Xero Setup"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [(self.env.ref("account_xero.xero_setup_wizard_form").id, "form")],
            "target": "current",
        }

    def action_connect(self):
        """Step 1: go to Xero to authorise, and come back to this wizard (administrators)."""
        self.ensure_one()
        check_manager(self.env)
        conn = self.connection_id
        if self.env.user.has_group("base.group_system") and (self.app_client_id or self.app_client_secret):
            conn.sudo().write({key: value for key, value in (
                ("client_id", self.app_client_id), ("client_secret", self.app_client_secret)) if value})
        return conn.with_context(xero_setup_wizard_id=self.id).action_xero_connect()

    def action_open_mappings(self):
        """Step 3: the suggested mappings, Xero's chart and taxes imported first if never done (administrators)."""
        self.ensure_one()
        check_manager(self.env)
        return self.connection_id.action_xero_suggest_mappings()

    def _check_step(self, step):
        """Refuse to leave ``step`` while what it asks is missing."""
        self.ensure_one()
        if step == "connect" and self.connection_state != "connected":
            raise UserError(_("Connect to Xero first: click \"Connect to Xero\" and allow access "
                              "on Xero's page."))
        if step == "import":
            if not self.import_choice:
                raise UserError(_("Choose whether to import your customers and suppliers from Xero."))
            if self.import_choice == "yes" and not self.import_confirmed:
                raise UserError(_("Tick the box to confirm you understand the import cannot be undone."))
        if step == "documents" and not any(self[name] for name in DOCUMENT_FIELDS):
            raise UserError(_("Choose at least one type of document to send to Xero."))
        if step == "start_date" and not self.import_start_date:
            raise UserError(_("Choose the import start date."))
        if step == "start_date" and not self.start_date_confirmed:
            raise UserError(_("Tick the box to confirm the import start date: documents dated before it are "
                              "never sent to Xero."))
        if step == "send_mode" and self.send_mode == "auto":
            if self.sync_interval < 1:
                raise UserError(_("The automatic send runs at least every hour: enter 1 or more."))
            if not self.sync_start:
                raise UserError(_("Enter when the automatic send starts."))
        if step == "send_mode" and not self.send_mode_confirmed:
            raise UserError(_("Tick the box to confirm the send mode."))

    def action_next(self):
        self.ensure_one()
        self._check_step(self.step)
        index = STEP_ORDER.index(self.step)
        self.step = STEP_ORDER[min(index + 1, len(STEP_ORDER) - 1)]
        return False  # the form reloads on the new step

    def action_back(self):
        self.ensure_one()
        index = STEP_ORDER.index(self.step)
        self.step = STEP_ORDER[max(index - 1, 0)]
        return False

    def action_finish(self):
        """Store the choices on the connection (each change tracked in its
        chatter), start the contact import when asked and available, and
        open the Xero dashboard (administrators)."""
        self.ensure_one()
        check_manager(self.env)
        for step in STEP_ORDER[:-1]:
            self._check_step(step)
        conn = self.connection_id
        values = {
            "import_contacts": self.import_choice == "yes",
            "import_start_date": self.import_start_date,
            "send_mode": self.send_mode,
            "po_status": self.po_status,
            **{name: self[name] for name in DOCUMENT_FIELDS},
            "contact_default_title_id": self.contact_title_id.id,
        }
        if self.send_mode == "auto":
            values.update({"sync_interval": self.sync_interval, "sync_start": self.sync_start})
        conn.write(values)  # the sync engine reschedules the next automatic run from these
        conn.message_post(body=_("Xero setup completed by %s.", self.env.user.name) + self.summary,
                          message_type="notification", subtype_xmlid="mail.mt_note")
        if self.import_choice == "yes":
            scheduler.start_contact_import(conn)
        action = conn.action_open_dashboard()
        action["target"] = "main"
        return action
