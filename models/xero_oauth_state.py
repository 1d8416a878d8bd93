"""One authorisation in progress: the PKCE verifier and ``state`` of a
"Connect to Xero" click, bound to the user, the browser session and the
company, used once, expiring after a few minutes.

After the code is exchanged the row holds the token and the organisations
Xero granted until the administrator picks one (several organisations, or
a different organisation than before, which needs a confirmation)."""

import hashlib
import json
import logging
import secrets
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..services.api import IdentityAdapter
from ..services.client import pkce_pair
from ..services.errors import XeroError
from ..sync import tokens

_logger = logging.getLogger(__name__)

STATE_TTL = timedelta(minutes=15)
#: how long finished or abandoned rows are kept (for the "already used" message)
KEEP_DAYS = 2


class XeroOAuthRefused(Exception):
    """The callback cannot be accepted; ``title``/``message`` are shown with
    the HTTP ``status`` (400, or 403 when the user may no longer connect)."""

    def __init__(self, title, message, status=400):
        super().__init__(message)
        self.title = title
        self.message = message
        self.status = status


def _sha256(value):
    return hashlib.sha256((value or "").encode()).hexdigest()


def _refusal(error):
    """Whether a :class:`XeroError` is Xero saying no (a 4xx other than the
    rate limit), rather than Xero out of reach or failing."""
    return not error.retryable and 400 <= (error.status or 0) < 500


def _jwt_claims(token):
    """The claims of a JWT access token, without verifying it (only used to
    filter Identity's ``/connections`` on this authorisation's event)."""
    import base64

    try:
        payload = token.split(".")[1]
        payload += "=" * (-len(payload) % 4)
        return json.loads(base64.urlsafe_b64decode(payload))
    except (IndexError, ValueError, TypeError):
        return {}


class XeroOAuthState(models.Model):
    _name = "xero.oauth.state"
    _description = "Xero authorisation in progress"
    _order = "id desc"

    connection_id = fields.Many2one("xero.connection", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="connection_id.company_id", store=True, index=True)
    user_id = fields.Many2one("res.users", required=True, ondelete="cascade")
    state_hash = fields.Char(required=True, index=True, help="SHA-256 of the state sent to Xero.")
    session_hash = fields.Char(required=True, help="SHA-256 of the browser session that started it.")
    code_verifier = fields.Char(required=True)
    redirect_uri = fields.Char(required=True)
    scope = fields.Char(required=True)
    expires_at = fields.Datetime(required=True)
    status = fields.Selection(
        [("pending", "Waiting for Xero"), ("authorised", "Choosing the organisation"),
         ("done", "Connected"), ("refused", "Refused")],
        default="pending", required=True)
    wizard_id = fields.Integer(help="Setup wizard to return to after connecting.")
    token_json = fields.Text(help="Token answer of Xero while the organisation is being chosen.")
    organisations_json = fields.Text(help="Organisations Xero granted (Identity connections).")
    message = fields.Char()

    # ------------------------------------------------------------------ start
    @api.model
    def _xero_start(self, connection, session_sid, wizard_id=False):
        """A new authorisation for ``connection``; returns Xero's authorize URL.

        The state and verifier are random; only the state's hash is kept,
        with the hash of the browser session it must come back in."""
        if not session_sid:
            raise UserError(_("Connect to Xero from the Odoo web interface: the authorisation is "
                              "tied to your browser session."))
        conn = connection.sudo()
        state = secrets.token_urlsafe(32)
        verifier, challenge = pkce_pair()
        scopes = conn._xero_scopes()
        redirect_uri = conn._xero_redirect_uri()
        self.sudo().create({
            "connection_id": conn.id,
            "user_id": self.env.uid,
            "state_hash": _sha256(state),
            "session_hash": _sha256(session_sid),
            "code_verifier": verifier,
            "redirect_uri": redirect_uri,
            "scope": " ".join(scopes),
            "expires_at": fields.Datetime.now() + STATE_TTL,
            "wizard_id": wizard_id or 0,
        })
        client = tokens.client_of(conn, False)
        return client.authorization_url(redirect_uri, scopes, state, challenge)

    # --------------------------------------------------------------- callback
    @api.model
    def _xero_consume(self, state, session_sid):
        """The pending authorisation of ``state`` for this user and session,
        marked used; raises :class:`XeroOAuthRefused` otherwise.

        Refused: no or unknown state, a state already used (a replay), an
        expired one, one started by another user or in another browser
        (those two leave the state untouched: whoever replays someone
        else's state cannot burn it), and — 403 — when the user is no
        longer a Xero administrator or no longer has the connection's
        company (the state is burnt then)."""
        if not state:
            raise XeroOAuthRefused(_("No authorisation in progress"), _(
                "This page was opened without the 'state' Xero sends back. Start again from "
                "Accounting ▸ Configuration ▸ Xero ▸ Connection ▸ Connect."))
        rec = self.sudo().search([("state_hash", "=", _sha256(state))], limit=1)
        if not rec:
            raise XeroOAuthRefused(_("Unknown authorisation"), _(
                "This authorisation was not started from this Odoo (the 'state' does not match). "
                "Nothing was changed. Start again with the Connect button."))
        self.env.cr.execute("SELECT status FROM xero_oauth_state WHERE id=%s FOR UPDATE", (rec.id,))
        rec.invalidate_recordset(["status"])
        if rec.status != "pending":
            raise XeroOAuthRefused(_("Authorisation already used"), _(
                "This authorisation link was already used. Nothing was changed. "
                "If you still need to connect, start again with the Connect button."))
        if rec.user_id != self.env.user or rec.session_hash != _sha256(session_sid):
            raise XeroOAuthRefused(_("Authorisation started elsewhere"), _(
                "This authorisation was started by another user or in another browser session. "
                "For your security nothing was changed. Start again with the Connect button "
                "in this browser."))
        if rec.expires_at < fields.Datetime.now():
            rec.write({"status": "refused", "message": _("Expired")})
            raise XeroOAuthRefused(_("Authorisation expired"), _(
                "More than %(minutes)s minutes passed since you clicked Connect. "
                "Start again with the Connect button.", minutes=int(STATE_TTL.total_seconds() // 60)))
        self._xero_check_still_allowed(rec)
        rec.status = "refused"  # used from now on, whatever happens next
        return rec

    @api.model
    def _xero_check_still_allowed(self, rec):
        """The user who started ``rec`` may still connect its company: a Xero
        administrator of that company (rights change during the minutes
        spent on Xero's page). Burns ``rec`` and raises otherwise."""
        user = self.env.user
        if not user.has_group("account_xero.group_xero_manager"):
            rec.write({"status": "refused", "message": _("Not a Xero administrator any more")})
            raise XeroOAuthRefused(_("Not allowed to connect Xero"), _(
                "Only Xero administrators can connect a company to Xero, and you are not one any "
                "more. Nothing was changed."), status=403)
        if rec.company_id not in user.company_ids:
            rec.write({"status": "refused", "message": _("Company no longer allowed")})
            raise XeroOAuthRefused(_("Not allowed to connect this company"), _(
                "You no longer have access to the company %(company)s. Nothing was changed.",
                company=rec.company_id.name), status=403)

    def _xero_exchange(self, code):
        """Exchange the code (with the PKCE verifier) and list the granted
        organisations; returns the URL to send the browser to next.

        One organisation that needs no confirmation is connected at once;
        otherwise the choice wizard is opened.

        Xero refusing the code is a :class:`XeroOAuthRefused`; Xero out of
        reach, failing (5xx) or answering something that is not a token is
        a :class:`XeroError` (the callback's 502 page)."""
        self.ensure_one()
        conn = self.connection_id.sudo()
        client = tokens.client_of(conn, False)
        try:
            token = client.exchange_code(code, self.redirect_uri, self.code_verifier)
        except XeroError as exc:
            if not _refusal(exc):
                raise
            body = exc.body if isinstance(exc.body, dict) else {}
            error = body.get("error") if isinstance(body.get("error"), str) else exc.message
            raise XeroOAuthRefused(_("Xero refused the authorisation"), _(
                "Xero did not accept the authorisation code (%(error)s): the security check "
                "(PKCE) failed, or the code expired or was already used. Nothing was changed. "
                "Start again with the Connect button.", error=error[:200])) from exc
        if not isinstance(token, dict) or not isinstance(token.get("access_token"), str):
            raise XeroError(_("Xero's token endpoint did not answer with a token."))
        if not token.get("refresh_token"):
            raise XeroOAuthRefused(_("Offline access missing"), _(
                "Xero did not grant offline access, so the connection could not work unattended. "
                "Start again and accept every permission asked."))
        organisations = self._xero_granted_organisations(conn, token)
        if not organisations:
            raise XeroOAuthRefused(_("No organisation authorised"), _(
                "Xero did not grant access to any organisation. Start again and pick the "
                "organisation to connect on Xero's page."))
        token["obtained_at"] = fields.Datetime.now().timestamp()
        self.write({"status": "authorised", "token_json": json.dumps(token),
                    "organisations_json": json.dumps(organisations)})
        if len(organisations) == 1 and not conn._xero_needs_confirmation(organisations[0]["tenantId"]):
            return self._xero_apply(organisations[0]["tenantId"])
        wizard = self.env["xero.connect.wizard"].create({"pending_id": self.id})
        return f"/odoo/action-account_xero.action_xero_connect_wizard/{wizard.id}"

    @api.model
    def _xero_granted_organisations(self, conn, token):
        """Organisations of this authorisation: Identity ``/connections``
        filtered on the token's authentication event (the ones the user
        just ticked), organisations only (no practice tenants)."""
        claims = _jwt_claims(token["access_token"])
        event = claims.get("authentication_event_id")
        # the user waits on the callback: one retry, not the background's five
        client = tokens.client_of(conn, token["access_token"], max_retries=1)
        kwargs = {"auth_event_id": event} if event else {}
        try:
            data = IdentityAdapter(client).connections(**kwargs)
        except XeroError as exc:
            if not _refusal(exc):
                raise  # out of reach: the 502 page
            raise XeroOAuthRefused(_("Xero could not list the organisations"), _(
                "Xero did not answer the list of authorised organisations: %(error)s. "
                "Start again in a moment.", error=exc.message)) from exc
        if not isinstance(data, list):
            raise XeroError(_("Xero did not answer a list of organisations."))
        return [
            {"id": c.get("id"), "tenantId": c["tenantId"], "tenantName": c.get("tenantName")}
            for c in data if isinstance(c, dict) and isinstance(c.get("tenantId"), str) and c["tenantId"]
            and (c.get("tenantType") or "ORGANISATION") == "ORGANISATION"
        ]

    def _xero_organisations(self):
        self.ensure_one()
        return json.loads(self.sudo().organisations_json or "[]")

    def _xero_apply(self, tenant_id, confirmed=False):
        """Connect the connection to ``tenant_id`` with the token got; returns
        the URL to continue on (the setup wizard or the connection)."""
        self.ensure_one()
        rec = self.sudo()
        if rec.status != "authorised" or rec.user_id != self.env.user:
            raise UserError(_("This authorisation is no longer waiting for a choice. Connect again."))
        if rec.expires_at + STATE_TTL < fields.Datetime.now():
            raise UserError(_("This authorisation is too old. Connect again."))
        org = next((o for o in rec._xero_organisations() if o["tenantId"] == tenant_id), None)
        if org is None:
            raise UserError(_("This organisation was not part of the authorisation."))
        token = json.loads(rec.token_json)
        elapsed = fields.Datetime.now().timestamp() - token.pop("obtained_at", fields.Datetime.now().timestamp())
        token["expires_in"] = max(1, int(token.get("expires_in") or 1800) - int(elapsed))
        rec.connection_id._xero_connect_organisation(org, token, confirmed=confirmed)
        rec.write({"status": "done", "token_json": False})
        return rec._xero_next_url()

    def _xero_next_url(self):
        self.ensure_one()
        wizard = self.env["xero.setup.wizard"].browse(self.wizard_id).exists() if self.wizard_id else None
        if wizard:
            return f"/odoo/action-account_xero.action_xero_setup_wizard/{wizard.id}"
        return f"/odoo/action-account_xero.action_xero_connection/{self.connection_id.id}"

    @api.autovacuum
    def _gc_xero_oauth_states(self):
        """Forget authorisations older than :data:`KEEP_DAYS` (their tokens
        with them); abandoned choices are not revoked at Xero, since revoking
        would remove every connection of the Xero user to this app."""
        limit = fields.Datetime.now() - timedelta(days=KEEP_DAYS)
        self.sudo().search([("expires_at", "<", limit)]).unlink()
