from contextlib import contextmanager

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..services.client import (
    REAL_API_URL,
    REAL_IDENTITY_URL,
    REAL_LOGIN_URL,
    XeroConfig,
)
from ..services.errors import XeroAuthError, XeroDayLimitError, XeroError, XeroNotFoundError

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
    "tenant_id", "tenant_name", "xero_connection_id", "state", "state_message",
})


class XeroConnection(models.Model):
    """One Xero organisation connected to one Odoo company.

    Holds where Xero is (base URLs), who we are (OAuth client and tokens,
    readable by system administrators only), and the setup choices that
    drive every sync. Token handling lives in ``xero_connection_auth.py``.
    """

    _name = "xero.connection"
    _description = "Xero Connection"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "company_id"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company,
        ondelete="cascade", index=True,
    )
    active = fields.Boolean(default=True)
    state = fields.Selection(
        [("draft", "Not connected"), ("connected", "Connected"),
         ("disconnected", "Disconnected"), ("error", "Error")],
        default="draft", required=True, tracking=True, copy=False,
    )
    state_message = fields.Char(copy=False, help="Why the connection is disconnected or in error.")
    tenant_id = fields.Char("Xero Tenant ID", copy=False, index=True, tracking=True)
    tenant_name = fields.Char("Xero Organisation", copy=False, tracking=True)
    xero_connection_id = fields.Char(
        "Xero Connection ID", copy=False,
        help="Identity API connection id, used to disconnect the organisation.",
    )

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

    # -- setup choices (changes are tracked in the chatter: the system activity record)
    import_contacts = fields.Boolean("Import contacts from Xero", tracking=True)
    import_start_date = fields.Date(
        default=fields.Date.context_today, tracking=True,
        help="Only documents dated on or after this date are ever sent to Xero.",
    )
    send_mode = fields.Selection(
        [("manual", "Manually"), ("auto", "Automatically")],
        default="manual", required=True, tracking=True,
    )
    sync_interval = fields.Integer("Sync every (hours)", default=2, tracking=True)
    sync_start = fields.Datetime("First automatic sync", tracking=True)
    push_contacts = fields.Boolean("Push contact changes to Xero", tracking=True)
    contact_history = fields.Boolean(
        "Write history notes in Xero", tracking=True,
        help="Costs one API call per contact changed.",
    )
    export_attachments = fields.Boolean("Export attachments", tracking=True)
    import_payments = fields.Boolean("Import payments from Xero", tracking=True)
    send_payments = fields.Boolean("Send payments to Xero", tracking=True)
    invoice_status = fields.Selection(
        [("DRAFT", "Draft"), ("SUBMITTED", "Awaiting approval"), ("AUTHORISED", "Awaiting payment")],
        "Status in Xero", default="AUTHORISED", required=True, tracking=True,
    )
    alert_mode = fields.Selection(
        [("none", "No alert"), ("email", "Email"), ("notify", "Internal notification"),
         ("both", "Email and notification")],
        default="notify", required=True, tracking=True,
    )
    alert_emails = fields.Char("Alert email addresses", tracking=True)
    rounding_account_id = fields.Many2one(
        "account.account", "Rounding account", tracking=True,
        help="When Xero's per-line tax rounding gives another total than Odoo, "
        "the difference is sent on a line to this account. Empty: refuse the document.",
    )

    # -- sync bookkeeping
    last_sync = fields.Datetime(copy=False, readonly=True)
    next_sync = fields.Datetime(copy=False, readonly=True)
    day_calls_remaining = fields.Integer(copy=False, readonly=True)
    day_calls_checked = fields.Datetime(copy=False, readonly=True)

    # -- dashboard figures
    count_waiting = fields.Integer(compute="_compute_counts")
    count_failed = fields.Integer(compute="_compute_counts")
    count_sent_today = fields.Integer(compute="_compute_counts")

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
        return super().write(vals)

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

    @api.depends("tenant_name", "company_id.name")
    def _compute_name(self):
        for conn in self:
            conn.name = conn.tenant_name or _("%s (not connected)", conn.company_id.name)

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

    def _action_queue(self, states):
        """The queue list of one figure: its own domain, without the menu's
        default "waiting/failed" filters that would hide it."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account_xero.action_xero_queue")
        action["domain"] = [("connection_id", "=", self.id), ("state", "in", states)]
        action["context"] = {"create": False}
        return action

    def action_view_waiting(self):
        return self._action_queue(["waiting", "sending"])

    def action_view_failed(self):
        return self._action_queue(["failed"])

    def action_view_sent(self):
        return self._action_queue(["sent"])

    @api.model
    def _for_company(self, company=None):
        """The connection of ``company`` (default: the current one), or empty."""
        company = company or self.env.company
        return self.sudo().search([("company_id", "=", company.id)], limit=1).sudo(False)

    def _xero_note_day_remaining(self, client):
        """Remember what Xero said of the day's call budget (its
        ``X-DayLimit-Remaining``), and when; nothing when no call was made."""
        if client.day_remaining is not None:
            self.sudo().write({"day_calls_remaining": client.day_remaining,
                               "day_calls_checked": fields.Datetime.now()})

    def _ensure_connected(self):
        """Raise a user-readable error unless the connection may call Xero."""
        for conn in self:
            if conn.state != "connected" or not conn.tenant_id:
                raise UserError(_(
                    "%(company)s is not connected to Xero (%(state)s). "
                    "An administrator must connect it from Accounting ▸ Configuration ▸ Xero.",
                    company=conn.company_id.name,
                    state=dict(self._fields["state"].selection).get(conn.state),
                ))

    @contextmanager
    def _xero_user_errors(self, not_found=None):
        """Turn a Xero error during a user's own read (a wizard, a report)
        into a message for that user; nothing is kept of the failed read.
        A refused grant also marks the connection disconnected; ``not_found``
        is the message for a 404 (default: Xero's own)."""
        try:
            yield
        except XeroAuthError as exc:
            self._xero_disconnected(exc.message)
            raise UserError(_("Xero refused access: %(error)s", error=exc.message)) from exc
        except XeroDayLimitError as exc:
            raise UserError(_("Xero's daily API limit for this organisation is spent; try again tomorrow.")) from exc
        except XeroNotFoundError as exc:
            raise UserError(not_found or exc.message) from exc
        except XeroError as exc:
            raise UserError(_("Xero could not be read: %(error)s", error=exc.message)) from exc

    def _xero_config(self):
        self.ensure_one()
        conn = self.sudo()
        return XeroConfig(
            client_id=conn.client_id or "", client_secret=conn.client_secret or "",
            tenant_id=conn.tenant_id or "", api_url=conn.api_url,
            identity_url=conn.identity_url, login_url=conn.login_url,
        )

    def action_open_dashboard(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "xero.connection",
            "res_id": self.id,
            "view_mode": "form",
            "views": [(self.env.ref("account_xero.xero_connection_dashboard_form").id, "form")],
            "target": "current",
        }
