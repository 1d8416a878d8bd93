"""One Xero organisation connected to one Odoo company: where Xero is, who
we are, and the setup choices that drive every sync.

This model holds data and entry points only. Everything it starts lives in
``sync/``: the runs (``sync/run.py``), sending (``sync/export.py``),
importing (``sync/importers/``), tokens and disconnections
(``sync/tokens.py``), connecting (``sync/oauth.py``) and the scheduled
actions (``sync/scheduler.py``).

Access: Xero users read a connection and start sends; Xero administrators
configure it, connect it and start imports; only system administrators
(``base.group_system``) read or write where Xero is, the app's credentials,
the tokens, the webhook key and which organisation it is bound to
(:data:`SYSTEM_FIELDS`) — the connect and disconnect flows write those
through ``sudo()`` after their own checks.
"""

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..services.client import REAL_API_URL, REAL_IDENTITY_URL, REAL_LOGIN_URL, XeroConfig
from ..sync import mappings, oauth, scheduler, tokens
from ..sync.actions import check_manager, check_user
from ..sync.run import ConnectionLock

SECRET_GROUPS = "base.group_system"
#: Fields only a system administrator (``base.group_system``) may write: where
#: Xero is (a changed identity URL receives the client secret and a live
#: refresh token at the next refresh), the OAuth app and its tokens, and the
#: organisation this company is bound to. The connect/disconnect flow and the
#: token refresh write them through ``sudo()`` after their own checks; an
#: accounting administrator still sees the connection and its state, and
#: edits the setup choices (send mode, start date, alerts...).
SYSTEM_FIELDS = frozenset({
    "api_url", "identity_url", "login_url",
    "client_id", "client_secret", "access_token", "refresh_token", "token_expires_at", "token_scope",
    "webhook_key",
    "tenant_id", "tenant_name", "xero_connection_id", "state", "state_message", "xero_short_codes",
})


class XeroConnection(models.Model):
    _name = "xero.connection"
    _description = "Xero Connection"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "company_id"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company,
                                 ondelete="cascade", index=True)
    active = fields.Boolean(default=True)
    state = fields.Selection(
        [("draft", "Not connected"), ("connected", "Connected"), ("disconnected", "Disconnected"),
         ("error", "Error")], default="draft", required=True, tracking=True, copy=False)
    state_message = fields.Char(copy=False, help="Why the connection is disconnected or in error.")
    tenant_id = fields.Char("Xero Tenant ID", copy=False, index=True, tracking=True)
    tenant_name = fields.Char("Xero Organisation", copy=False, tracking=True)
    xero_connection_id = fields.Char("Xero Connection ID", copy=False,
                                     help="Identity API connection id, used to disconnect the organisation.")
    xero_short_codes = fields.Json(copy=False, readonly=True,
                                   help="ShortCode of each organisation connected (by tenant): Xero's deep links.")

    # -- endpoints: real Xero unless pointed at the local emulator
    api_url = fields.Char("API Base URL", required=True, default=REAL_API_URL, tracking=True)
    identity_url = fields.Char("Identity Base URL", required=True, default=REAL_IDENTITY_URL, tracking=True)
    login_url = fields.Char("Login Base URL", required=True, default=REAL_LOGIN_URL, tracking=True)

    # -- OAuth app and tokens: system administrators only
    client_id = fields.Char("Client ID", groups=SECRET_GROUPS, copy=False)
    client_secret = fields.Char("Client Secret", groups=SECRET_GROUPS, copy=False)
    access_token = fields.Char(groups=SECRET_GROUPS, copy=False)
    refresh_token = fields.Char(groups=SECRET_GROUPS, copy=False)
    token_expires_at = fields.Datetime(groups=SECRET_GROUPS, copy=False)
    token_scope = fields.Char(groups=SECRET_GROUPS, copy=False)
    webhook_key = fields.Char(groups=SECRET_GROUPS, copy=False, help="Signs Xero's webhook calls.")
    scopes_missing = fields.Char(compute="_compute_scopes_missing",
                                 help="Permissions the enabled options need and the last authorisation did not grant.")

    # -- setup choices (changes are tracked in the chatter: the system activity record)
    import_contacts = fields.Boolean("Import contacts from Xero", tracking=True)
    import_start_date = fields.Date(default=fields.Date.context_today, tracking=True,
                                    help="Only documents dated on or after this date are ever sent to Xero.")
    send_mode = fields.Selection([("manual", "Manually"), ("auto", "Automatically")], default="manual",
                                 required=True, tracking=True)
    sync_interval = fields.Integer("Sync every (hours)", default=2, tracking=True)
    sync_start = fields.Datetime("First automatic sync", tracking=True)
    push_contacts = fields.Boolean("Push contact changes to Xero", tracking=True)
    contact_history = fields.Boolean("Write history notes in Xero", tracking=True,
                                     help="A note in the Xero contact's history when Odoo creates it or sends a "
                                     "change of it. Costs one API call per contact created or changed.")
    contact_default_title_id = fields.Many2one("res.partner.title", "Default title of imported persons",
                                               tracking=True, help="Xero has no title: persons imported from "
                                               "Xero get this one.")
    export_attachments = fields.Boolean("Export attachments", tracking=True)
    import_payments = fields.Boolean("Import payments from Xero", tracking=True)
    send_payments = fields.Boolean("Send payments to Xero", tracking=True)
    payment_journal_id = fields.Many2one(
        "account.journal", "Default journal for Xero payments", check_company=True, tracking=True,
        domain="[('type', 'in', ('bank', 'cash')), ('company_id', '=', company_id)]",
        help="Journal of payments imported from a Xero bank account that is not linked to an Odoo journal. "
        "Empty: such payments are refused with a message until the account is linked.")
    invoice_status = fields.Selection(
        [("DRAFT", "Draft"), ("SUBMITTED", "Awaiting approval"), ("AUTHORISED", "Awaiting payment")],
        "Status in Xero", default="AUTHORISED", required=True, tracking=True)
    # -- documents to send: a type turned off queues no new document of it (those in Xero keep their updates)
    send_invoices = fields.Boolean("Customer invoices", default=True, tracking=True)
    send_bills = fields.Boolean("Vendor bills", default=True, tracking=True)
    send_credit_notes = fields.Boolean("Credit notes", default=True, tracking=True)
    send_purchase_orders = fields.Boolean("Purchase orders", tracking=True)
    po_status = fields.Selection([("DRAFT", "Draft"), ("SUBMITTED", "Awaiting approval"), ("AUTHORISED", "Approved")],
                                 "Status of purchase orders in Xero", default="AUTHORISED", required=True,
                                 tracking=True, help="Never lower than what Xero has: an approval there is kept.")
    alert_mode = fields.Selection(
        [("none", "No alert"), ("email", "Email"), ("notify", "Internal notification"),
         ("both", "Email and notification")], default="notify", required=True, tracking=True)
    alert_emails = fields.Char("Alert email addresses", tracking=True)
    rounding_account_id = fields.Many2one(
        "account.account", "Rounding account", tracking=True,
        help="When Xero's per-line tax rounding gives another total than Odoo, the difference is sent on a "
        "line to this account. Empty: refuse the document.")

    # -- sync bookkeeping (written by the runs)
    last_sync = fields.Datetime(copy=False, readonly=True)
    next_sync = fields.Datetime(copy=False, readonly=True)
    last_inbound = fields.Datetime("Last import from Xero", copy=False, readonly=True)
    payments_since = fields.Datetime(
        "Payments imported up to", copy=False, readonly=True,
        help="When (Xero's clock, UTC) the last poll of payments started: the next poll asks Xero only for "
        "payments changed since then.")
    recon_invoices_since = fields.Datetime(copy=False, readonly=True,
                                           help="Xero time of the last read of invoices for the report.")
    recon_credit_notes_since = fields.Datetime(copy=False, readonly=True,
                                               help="Xero time of the last read of credit notes for the report.")
    master_import_date = fields.Datetime("Master data imported on", readonly=True, copy=False)
    day_calls_remaining = fields.Integer(copy=False, readonly=True)
    day_calls_checked = fields.Datetime(copy=False, readonly=True)

    # -- dashboard figures
    count_waiting = fields.Integer(compute="_compute_counts")
    count_failed = fields.Integer(compute="_compute_counts")
    count_sent_today = fields.Integer(compute="_compute_counts")
    webhook_event_count = fields.Integer("Webhook events waiting", compute="_compute_webhook")
    webhook_url = fields.Char("Webhook URL", compute="_compute_webhook",
                              help="The app's delivery URL, the same for every company connected through this "
                              "Xero app: enter it once in Xero's developer portal.")
    xero_account_count = fields.Integer("Xero accounts", compute="_compute_imports")
    import_job_ids = fields.One2many("xero.import.job", "connection_id", "Contact imports")
    import_job_id = fields.Many2one("xero.import.job", "Last contact import", compute="_compute_imports")
    import_progress = fields.Float("Contact import progress", compute="_compute_imports")
    contact_match_count = fields.Integer("Contacts to confirm", compute="_compute_imports")
    mapping_todo = fields.Char("Not mapped", compute="_compute_mapping_todo",
                               help="Accounts, taxes and bank journals documents need that are not mapped to Xero.")

    _sql_constraints = [
        ("company_unique", "unique(company_id)", "A company can have only one Xero connection."),
    ]

    # ------------------------------------------------------------ who may write what
    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.is_system():
            # with the defaults a context or a saved default would add: they count too
            vals_list = [self._add_missing_default_values(vals) for vals in vals_list]
            for vals in vals_list:
                # a form sends the defaults it shows (state "Not connected"): those are no choice
                self._xero_refuse_system_fields([
                    name for name in SYSTEM_FIELDS & vals.keys()
                    if (vals[name] or False) != (self._xero_code_default(name) or False)])
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.is_system():
            names = sorted(SYSTEM_FIELDS & vals.keys())
            if "company_id" in vals and any(
                    conn.tenant_id and conn.company_id.id != vals["company_id"] for conn in self.sudo()):
                names.append("company_id")  # moving an organisation to another company
            self._xero_refuse_system_fields(names)
        res = super().write(vals)
        if {"send_mode", "state", "sync_interval", "sync_start"} & set(vals):
            scheduler.reschedule(self)
        return res

    @api.model
    def _xero_code_default(self, name):
        field = self._fields[name]
        return field.default(self) if field.default else False

    @api.model
    def _xero_refuse_system_fields(self, names):
        if names:
            labels = ", ".join(sorted(self._fields[name].string for name in names))
            raise AccessError(_(
                "Only a system administrator can change the Xero endpoints, credentials or the "
                "organisation a company is connected to (%(fields)s). Connect and disconnect with the "
                "buttons of the connection.", fields=labels))

    # ------------------------------------------------------------ computes
    @api.depends("tenant_name", "company_id.name")
    def _compute_name(self):
        for conn in self:
            conn.name = conn.tenant_name or _("%s (not connected)", conn.company_id.name)

    @api.depends("state", "send_payments", "import_payments", "export_attachments")
    def _compute_scopes_missing(self):
        for conn in self:
            granted = set((conn.sudo().token_scope or "").split())
            if conn.state != "connected" or not granted:
                conn.scopes_missing = False
                continue
            missing = [s for s in oauth.scopes_for(conn) if not oauth.scope_granted(s, granted)]
            conn.scopes_missing = " ".join(missing) or False

    def _compute_counts(self):
        Queue = self.env["xero.queue"].sudo()
        today = fields.Datetime.to_datetime(fields.Date.context_today(self))
        groups = Queue._read_group(
            [("connection_id", "in", self.ids), ("state", "in", ("waiting", "sending", "failed"))],
            ["connection_id", "state"], ["__count"])
        counts = {(conn.id, state): n for conn, state, n in groups}
        sent = dict(Queue._read_group(
            [("connection_id", "in", self.ids), ("state", "=", "sent"), ("date_sent", ">=", today)],
            ["connection_id"], ["__count"]))
        for conn in self:
            conn.count_waiting = counts.get((conn.id, "waiting"), 0) + counts.get((conn.id, "sending"), 0)
            conn.count_failed = counts.get((conn.id, "failed"), 0)
            conn.count_sent_today = sent.get(conn, 0)

    def _compute_webhook(self):
        counts = dict(self.env["xero.webhook.event"].sudo()._read_group(
            [("connection_id", "in", self.ids), ("state", "=", "pending")], ["connection_id"], ["__count"]))
        for conn in self:
            conn.webhook_event_count = counts.get(conn, 0)
            conn.webhook_url = f"{conn.get_base_url()}/xero/webhook"

    def _compute_imports(self):
        accounts = dict(self.env["xero.account"].sudo()._read_group(
            [("connection_id", "in", self.ids)], ["connection_id"], ["__count"]))
        matches = dict(self.env["xero.contact.match"].sudo()._read_group(
            [("connection_id", "in", self.ids), ("state", "=", "pending")], ["connection_id"], ["__count"]))
        for conn in self:
            job = self.env["xero.import.job"].sudo().search([("connection_id", "=", conn.id)], limit=1)
            conn.xero_account_count = accounts.get(conn, 0)
            conn.import_job_id = job
            conn.import_progress = job.progress
            conn.contact_match_count = matches.get(conn, 0)

    def _compute_mapping_todo(self):
        """"3 accounts in use are not mapped" (see ``sync/mappings.py``); nothing before a first connection."""
        for conn in self:
            conn.mapping_todo = bool(conn.tenant_id) and mappings.todo_message(
                self.env, mappings.unmapped_in_use(conn.sudo()))

    # ------------------------------------------------------------ helpers
    @api.model
    def _for_company(self, company=None):
        """The connection of ``company`` (default: the current one), or empty."""
        company = company or self.env.company
        return self.sudo().search([("company_id", "=", company.id)], limit=1).sudo(False)

    def _ensure_connected(self):
        """Raise a user-readable error unless the connection may call Xero."""
        for conn in self:
            if conn.state != "connected" or not conn.tenant_id:
                raise UserError(_(
                    "%(company)s is not connected to Xero (%(state)s). An administrator must connect it from "
                    "Accounting ▸ Configuration ▸ Xero.", company=conn.company_id.name,
                    state=dict(self._fields["state"].selection).get(conn.state)))

    def _xero_config(self):
        self.ensure_one()
        conn = self.sudo()
        return XeroConfig(client_id=conn.client_id or "", client_secret=conn.client_secret or "",
                          tenant_id=conn.tenant_id or "", api_url=conn.api_url, identity_url=conn.identity_url,
                          login_url=conn.login_url)

    def _xero_client(self, **kwargs):
        """The :class:`~..services.client.XeroClient` of this connection's organisation."""
        return tokens.client_of(self.sudo(), **kwargs)

    def _xero_store_token(self, token, cr=None):
        return tokens.store_token(self, token, cr=cr)

    def _xero_locked_refresh(self, failed_token=None):
        """A valid access token, refreshed under the row lock when needed."""
        return tokens.locked_tokens(self, failed_token)[0]

    def _xero_disconnected(self, reason):
        tokens.disconnected(self, reason)

    def _xero_scopes(self):
        return oauth.scopes_for(self)

    def _xero_redirect_uri(self):
        self.ensure_one()
        return self.get_base_url().rstrip("/") + oauth.CALLBACK_PATH

    def _xero_needs_confirmation(self, tenant_id):
        self.ensure_one()
        return oauth.needs_confirmation(self, tenant_id)

    def _xero_connect_organisation(self, org, token, confirmed=False):
        """Attach ``org`` with ``token`` (see :func:`..sync.oauth.connect_organisation`)."""
        self.ensure_one()
        oauth.connect_organisation(self, org, token, confirmed=confirmed)

    def _xero_admins(self):
        """Internal users administering Xero for this connection's company."""
        self.ensure_one()
        return self.env.ref("account_xero.group_xero_manager").sudo().users.filtered(
            lambda u: self.company_id in u.company_ids and not u.share and u.active)

    def _xero_note_day_remaining(self, client):
        """Remember what Xero said of the day's call budget (its
        ``X-DayLimit-Remaining``), and when; nothing when no call was made."""
        if client.day_remaining is not None:
            self.sudo().write({"day_calls_remaining": client.day_remaining, "day_calls_checked": fields.Datetime.now()})

    def _xero_sync_lock(self):
        """The connection's sync lock (a context manager yielding whether it was free)."""
        self.ensure_one()
        return ConnectionLock(self.env, self.id)

    def _xero_sync(self, trigger="manual", client=None, slice=None):
        """One bounded send of what is due; the closed ``xero.sync.run``."""
        return scheduler.send(self, trigger=trigger, client=client, slice=slice)

    # ------------------------------------------------------------ user actions
    def _action(self, xmlid, domain, context=None):
        self.ensure_one()
        check_user(self.env)
        action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
        action["domain"] = domain
        action["context"] = context or {"create": False}
        return action

    def _action_queue(self, states):
        """The queue list of one figure, without the menu's default filters that would hide it."""
        domain = [("connection_id", "=", self.id), ("state", "in", states)]
        return self._action("account_xero.action_xero_queue", domain)

    def action_view_waiting(self):
        return self._action_queue(["waiting", "sending"])

    def action_view_failed(self):
        return self._action_queue(["failed"])

    def action_view_sent(self):
        return self._action_queue(["sent"])

    def action_view_runs(self):
        return self._action("account_xero.action_xero_sync_run", [("connection_id", "=", self.id)], {})

    def action_view_log(self):
        return self._action("account_xero.action_xero_sync_log", [("connection_id", "=", self.id)], {})

    def action_xero_view_imports(self):
        return self._action("account_xero.action_xero_import_job", [("connection_id", "=", self.id)], {})

    def action_xero_view_matches(self):
        return self._action("account_xero.action_xero_contact_match", [("connection_id", "=", self.id)],
                            {"search_default_pending": 1})

    def action_open_dashboard(self):
        self.ensure_one()
        check_user(self.env)
        return {"type": "ir.actions.act_window", "res_model": "xero.connection", "res_id": self.id,
                "view_mode": "form", "target": "current",
                "views": [(self.env.ref("account_xero.xero_connection_dashboard_form").id, "form")]}

    def action_send_now(self):
        """"Send data now" (Xero users): a bounded send; what does not fit goes on in the background."""
        self.ensure_one()
        check_user(self.env)
        return scheduler.send_now(self)

    def action_xero_dry_run(self):
        """"Preview next send" (Xero users): what the next send would do, without calling Xero."""
        self.ensure_one()
        check_user(self.env)
        wizard = self.env["xero.dry.run"].sudo()._xero_preview(self.sudo())
        return {"type": "ir.actions.act_window", "name": self.env._("Next send to Xero (preview)"),
                "res_model": "xero.dry.run", "res_id": wizard.id, "view_mode": "form", "target": "new"}

    def action_import_from_xero(self):
        """"Fetch from Xero now" (administrators: an import): webhook events and new payments."""
        self.ensure_one()
        check_manager(self.env)
        return scheduler.fetch_now(self)

    def action_xero_reimport_payments(self):
        """"Read all payments again" (administrators): forget the poll cursor, import now."""
        self.ensure_one()
        check_manager(self.env)
        self.sudo().payments_since = False
        return scheduler.fetch_now(self)

    def action_xero_import_master_data(self, items=None):
        """Import accounts, tax rates and tracking (administrators); items too
        with ``items`` or the context key ``xero_import_items``; only the parts
        listed in the context key ``xero_import_parts`` (one "Import" button each)."""
        self.ensure_one()
        check_manager(self.env)
        if items is None:
            items = bool(self.env.context.get("xero_import_items"))
        return scheduler.import_master_data(self, items=items, parts=self.env.context.get("xero_import_parts"))

    def action_xero_import_items(self):
        return self.action_xero_import_master_data(items=True)

    def action_xero_suggest_mappings(self):
        """"Suggested mappings" (administrators), after importing Xero's chart and taxes if never done."""
        self.ensure_one()
        check_manager(self.env)
        if not self.master_import_date:
            notification = scheduler.import_master_data(self)
            if not self.master_import_date:
                raise UserError(notification["params"]["message"])
        return self.env["xero.mapping.wizard"]._xero_open(self)

    def action_xero_import_contacts(self):
        """Start (or resume) the contact import in the background (administrators)."""
        self.ensure_one()
        check_manager(self.env)
        scheduler.start_contact_import(self, full=bool(self.env.context.get("xero_full_import")))
        return self.action_xero_view_imports()

    def action_xero_connect(self):
        """Connect / Reconnect (administrators): go to Xero's consent page."""
        self.ensure_one()
        check_manager(self.env)
        return oauth.start(self)

    def action_xero_disconnect(self):
        """Disconnect (administrators): see :func:`..sync.oauth.disconnect`."""
        self.ensure_one()
        check_manager(self.env)
        oauth.disconnect(self)
        return True

    def action_open_setup_wizard(self):
        """Open the setup wizard for this connection's company (administrators)."""
        self.ensure_one()
        check_manager(self.env)
        return self.env["xero.setup.wizard"].with_company(self.company_id)._action_open(self.company_id)

    # ------------------------------------------------------------ scheduled actions
    @api.model
    def _cron_xero_sync(self):
        scheduler.cron_sync(self.env)

    @api.model
    def _cron_xero_inbound(self):
        scheduler.cron_inbound(self.env)
