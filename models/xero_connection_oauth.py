"""Connecting, reconnecting and disconnecting a company's Xero organisation.

The OAuth dance itself (state, PKCE, code exchange) lives in
``xero_oauth_state.py`` and ``controllers/oauth.py``; this file holds what
the connection does with it: which scopes to ask, how an organisation is
attached (keeping or clearing the links to Xero records), and how it is
detached at Xero's side.
"""

import logging

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.http import request

from ..services.client import StaticTokens, XeroClient
from ..services.errors import XeroAuthError, XeroError, XeroNotFoundError

_logger = logging.getLogger(__name__)

CALLBACK_PATH = "/xero/oauth/callback"

#: asked always: refresh tokens, organisation settings (accounts, taxes,
#: tracking, items), contacts (sent with every document) and invoices
#: (invoices, bills, credit notes) — Xero's granular scopes.
BASE_SCOPES = ("offline_access", "accounting.settings.read", "accounting.contacts", "accounting.invoices")
#: a broader scope granted earlier that covers a granular one
COVERED_BY = {
    "accounting.invoices": ("accounting.transactions",),
    "accounting.payments": ("accounting.transactions",),
    "accounting.settings.read": ("accounting.settings",),
}


def scope_granted(scope, granted):
    """Whether ``scope`` is covered by the ``granted`` set (write scopes
    cover their ``.read`` variant; the old broad scopes cover the granular
    ones)."""
    candidates = {scope, *COVERED_BY.get(scope, ())}
    if scope.endswith(".read"):
        base = scope[: -len(".read")]
        candidates |= {base, *COVERED_BY.get(base, ())}
    return bool(candidates & granted)


class XeroConnectionOAuth(models.Model):
    _inherit = "xero.connection"

    scopes_missing = fields.Char(
        compute="_compute_scopes_missing",
        help="Permissions the enabled options need and the last authorisation did not grant.")

    # ------------------------------------------------------------------ scopes
    def _xero_scopes(self):
        """The fewest Xero scopes the enabled features need (plus offline access).

        Payments: ``accounting.payments`` to send them, its read variant to
        only import them; attachments only when exported."""
        self.ensure_one()
        scopes = list(BASE_SCOPES)
        if self.send_payments:
            scopes.append("accounting.payments")
        elif self.import_payments:
            scopes.append("accounting.payments.read")
        if self.export_attachments:
            scopes.append("accounting.attachments")
        return scopes

    @api.depends("state", "send_payments", "import_payments", "export_attachments")
    def _compute_scopes_missing(self):
        for conn in self:
            granted = set((conn.sudo().token_scope or "").split())
            if conn.state != "connected" or not granted:
                conn.scopes_missing = False
                continue
            missing = [s for s in conn._xero_scopes() if not scope_granted(s, granted)]
            conn.scopes_missing = " ".join(missing) or False

    def _xero_redirect_uri(self):
        self.ensure_one()
        return self.get_base_url().rstrip("/") + CALLBACK_PATH

    def _xero_check_manager(self):
        if not self.env.user.has_group("account_xero.group_xero_manager"):
            raise AccessError(_("Only Xero administrators can connect or disconnect Xero."))

    # ----------------------------------------------------------------- connect
    def action_xero_connect(self):
        """Start the authorisation (button Connect / Reconnect): go to Xero's
        consent page. The PKCE verifier and state are kept server side,
        bound to this user, browser session and company."""
        self.ensure_one()
        self._xero_check_manager()
        conn = self.sudo()
        if not conn.client_id or not conn.client_secret:
            raise UserError(_(
                "Enter the Client ID and Client Secret of your Xero app first (Accounting ▸ "
                "Configuration ▸ Xero ▸ Connection ▸ Endpoints and credentials). Create the app at "
                "developer.xero.com with the redirect URI %s.", self._xero_redirect_uri()))
        wizard_id = self.env.context.get("xero_setup_wizard_id") or False
        sid = request.session.sid if request else None
        url = self.env["xero.oauth.state"]._xero_start(self, sid, wizard_id=wizard_id)
        return {"type": "ir.actions.act_url", "url": url, "target": "self"}

    def _xero_needs_confirmation(self, tenant_id):
        """Connecting another organisation than the one linked before clears
        the links to the previous one: ask first."""
        self.ensure_one()
        return bool(self.tenant_id and self.tenant_id != tenant_id)

    def _xero_connect_organisation(self, org, token, confirmed=False):
        """Attach ``org`` (an Identity connection dict) with ``token``.

        The same organisation again keeps every link; another one needs
        ``confirmed`` and clears the links of the previous organisation.
        An organisation connected to another company is refused: the links
        of one organisation live in one company."""
        self.ensure_one()
        conn = self.sudo()
        other = conn.search([("id", "!=", conn.id), ("tenant_id", "=", org["tenantId"]),
                             ("state", "=", "connected")], limit=1)
        if other:
            raise UserError(_(
                "%(org)s is already connected to the company %(company)s. An organisation can be "
                "connected to one company only: pick another organisation.",
                org=org.get("tenantName"), company=other.company_id.name))
        if conn._xero_needs_confirmation(org["tenantId"]):
            if not confirmed:
                raise UserError(_(
                    "%(company)s was connected to %(old)s. Confirm that you want to connect %(new)s "
                    "instead: the links to %(old)s will be cleared.",
                    company=conn.company_id.name, old=conn.tenant_name, new=org.get("tenantName")))
            conn._xero_clear_links(conn.tenant_name, org.get("tenantName"))
        conn.write({
            "tenant_id": org["tenantId"],
            "tenant_name": org.get("tenantName") or org["tenantId"],
            "xero_connection_id": org.get("id"),
            "state": "connected",
            "state_message": False,
        })
        conn._xero_store_token(token)
        conn._xero_reconnect_activities().action_done()
        conn.message_post(body=_(
            "Connected to the Xero organisation %(org)s by %(user)s (permissions: %(scope)s).",
            org=conn.tenant_name, user=self.env.user.name, scope=token.get("scope") or ""),
            message_type="notification", subtype_xmlid="mail.mt_note")

    def _xero_reconnect_activities(self):
        """The "Reconnect Xero" to-dos left by a disconnection (done once reconnected)."""
        summaries = {"Reconnect Xero", _("Reconnect Xero")}
        return self.activity_ids.filtered(lambda a: a.summary in summaries)

    def _xero_clear_links(self, previous_name, new_name):
        """Forget everything tied to the previous organisation: the Xero ids
        of partners, accounts, documents... (through the binder), the
        queue rows (their payloads and idempotency keys were for it) and
        the Xero status of documents. Sync history and logs are kept.

        Other features storing Xero ids outside the binder extend this."""
        self.ensure_one()
        company = self.company_id
        counts = self.env["xero.binder"]._unbind_company(company)
        moves = self.env["account.move"].sudo().search(
            [("company_id", "=", company.id), ("xero_state", "!=", "none")])
        moves.write({"xero_state": "none", "xero_hash": False, "xero_sent_date": False,
                     "xero_message": _("Was linked to the Xero organisation %s.", previous_name)})
        queue = self.env["xero.queue"].sudo().search([("connection_id", "=", self.id)])
        counts["xero.queue"] = len(queue)
        queue.unlink()
        detail = ", ".join(f"{self.env[model]._description}: {n}" for model, n in counts.items() if n)
        self.message_post(body=_(
            "Links to %(old)s cleared before connecting %(new)s (%(detail)s).",
            old=previous_name, new=new_name, detail=detail or _("nothing was linked")),
            message_type="notification", subtype_xmlid="mail.mt_note")
        return counts

    # -------------------------------------------------------------- disconnect
    def action_xero_disconnect(self):
        """Disconnect: remove the organisation's connection at Xero
        (``DELETE /connections/{id}``), revoke the authorisation, forget the
        tokens. The organisation and every link are kept, so reconnecting
        the same organisation continues where it stopped.

        The refresh token is not revoked when another company is connected
        through the same Xero app: Xero's revocation removes every
        connection of the Xero user to the app, that company's included.
        A grant already gone at Xero is not an error here."""
        self.ensure_one()
        self._xero_check_manager()
        conn = self.sudo()
        notes = conn._xero_remote_disconnect()
        conn.write({
            "state": "disconnected",
            "state_message": _("Disconnected by %s.", self.env.user.name),
            "access_token": False, "refresh_token": False, "token_expires_at": False,
            "token_scope": False, "xero_connection_id": False,
        })
        conn._xero_reconnect_activities().unlink()
        conn.message_post(body=_(
            "Disconnected from %(org)s by %(user)s. %(notes)s",
            org=conn.tenant_name, user=self.env.user.name, notes=" ".join(notes)),
            message_type="notification", subtype_xmlid="mail.mt_note")
        return True

    def _xero_remote_disconnect(self):
        """The Xero side of a disconnection; returns notes for the chatter."""
        self.ensure_one()
        notes = []
        access = refresh = None
        if self.refresh_token:
            try:  # the latest committed tokens, refreshed if about to expire
                access, _expires, refresh = self.with_context(xero_no_alert=True)._xero_locked_tokens()
            except XeroAuthError:
                notes.append(_("Xero had already withdrawn the authorisation."))
            except XeroError as exc:
                raise UserError(_("Xero could not be reached to disconnect: %s Try again.", exc.message)) from exc
        if not access:
            return notes
        api = XeroClient(self._xero_config(), StaticTokens(access))
        try:
            # looked up by tenant: the id stored may be stale after a reconnection in Xero
            connection_ids = [c.get("id") for c in api.identity("get_connections").data or []
                              if c.get("tenantId") == self.tenant_id and c.get("id")]
            for connection_id in connection_ids:
                api.identity("delete_connection", connection_id)
            notes.append(_("The connection was removed in Xero.") if connection_ids
                         else _("The organisation was already disconnected in Xero."))
        except XeroNotFoundError:
            notes.append(_("The organisation was already disconnected in Xero."))
        except XeroAuthError:
            notes.append(_("Xero had already withdrawn the authorisation."))
            return notes
        except XeroError as exc:
            raise UserError(_("Xero could not be reached to disconnect: %s Try again.", exc.message)) from exc
        siblings = self.search([("id", "!=", self.id), ("state", "=", "connected"),
                                ("client_id", "=", self.client_id), ("identity_url", "=", self.identity_url)])
        if siblings:
            notes.append(_("The authorisation was not revoked: %s uses the same Xero app, and "
                           "revoking would disconnect it too.", ", ".join(siblings.company_id.mapped("name"))))
            return notes
        try:
            XeroClient(self._xero_config(), None).revoke(refresh)
            notes.append(_("The authorisation was revoked."))
        except XeroAuthError:
            notes.append(_("Xero had already withdrawn the authorisation."))
        except XeroError as exc:
            raise UserError(_("Xero could not be reached to disconnect: %s Try again.", exc.message)) from exc
        return notes

    # ------------------------------------------------------------------- setup
    def action_open_setup_wizard(self):
        """Open the setup wizard for this connection's company."""
        self.ensure_one()
        return self.env["xero.setup.wizard"].with_company(self.company_id)._action_open(self.company_id)


class XeroBinderCompany(models.AbstractModel):
    _inherit = "xero.binder"

    @api.model
    def _unbind_company(self, company):
        """Clear every Xero id of ``company`` on every bound model; returns
        ``{model: count}``. Company-dependent ids are cleared for that company
        only; other ids on records of that company."""
        counts = {}
        for name in list(self.env.registry):
            model = self.env[name]
            field = getattr(type(model), "_xero_id_field", None)
            if not field or model._abstract or model._transient or field not in model._fields:
                continue
            records = self._scoped(name, company)
            domain = [(field, "!=", False)]
            if not model._fields[field].company_dependent:
                if "company_id" not in model._fields:
                    continue  # not company-bound: cannot belong to this organisation only
                domain.append(("company_id", "=", company.id))
            found = records.search(domain)
            if found:
                found.write({field: False})
                counts[name] = len(found)
        return counts
