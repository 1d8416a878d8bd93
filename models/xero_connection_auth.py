import logging
from datetime import datetime, timedelta

import psycopg2

from odoo import _, fields, models
from odoo.tools import html_escape

from ..services.client import StaticTokens, XeroClient
from ..services.errors import XeroAuthError, XeroError, XeroRetryableError

_logger = logging.getLogger(__name__)

#: refresh this long before Xero's 30-minute access tokens expire
REFRESH_MARGIN = timedelta(minutes=2)
LOCK_TIMEOUT_MS = 15000
LOCK_ATTEMPTS = 3
TOKEN_FIELDS = ["access_token", "refresh_token", "token_expires_at", "token_scope"]


class ConnectionTokens:
    """Token source of :class:`XeroClient` backed by a ``xero.connection`` row.

    ``access_token()`` returns the stored token, refreshing it first when it
    expires within :data:`REFRESH_MARGIN`; ``refresh()`` runs after a 401.
    Both refresh under a row lock in their own cursor and commit the new
    refresh token at once, so two workers refreshing together never lose it
    (Xero rotates refresh tokens on every use).
    """

    def __init__(self, connection):
        self.connection = connection.sudo()
        #: (access token, expiry) this source refreshed or locked-read itself:
        #: the caller's transaction may not see the row committed by the
        #: refresh cursor (REPEATABLE READ snapshot), so it is remembered here
        self.known = None

    def access_token(self):
        for access, expires in (self.known or (None, None),
                                (self.connection.access_token, self.connection.token_expires_at)):
            if XeroConnectionAuth._xero_token_still_good(access, expires, None):
                return access
        return self._refresh(self.connection.access_token)

    def refresh(self, failed_token):
        return self._refresh(failed_token)

    def _refresh(self, failed_token):
        access, expires, _refresh = self.connection._xero_locked_tokens(failed_token=failed_token)
        self.known = (access, expires)
        return access


class ConnectionClient(XeroClient):
    """The client of a ``xero.connection``: notices a disconnection made on
    Xero's side.

    When Xero refuses a call even with a fresh token (403 for the tenant, or
    a 401 that a refresh did not cure), the connection checks with Identity
    whether its organisation is still connected; when it is not, the
    connection goes to "disconnected" exactly as for ``invalid_grant``.
    A refusal for another reason (a missing scope, a user's permissions) is
    only raised: the organisation is still there.
    """

    def __init__(self, connection, config, tokens, **kwargs):
        super().__init__(config, tokens, **kwargs)
        self.connection = connection

    def accounting(self, method, *args, **kwargs):
        try:
            return super().accounting(method, *args, **kwargs)
        except XeroAuthError as exc:
            if exc.status in (401, 403):
                self.connection._xero_check_still_connected(self._current_token, exc)
            raise


class XeroConnectionAuth(models.Model):
    _inherit = "xero.connection"

    def _xero_client(self, **kwargs):
        """A :class:`ConnectionClient` for this connection's organisation."""
        self.ensure_one()
        self._ensure_connected()
        return ConnectionClient(self, self._xero_config(), ConnectionTokens(self), **kwargs)

    def _xero_store_token(self, token, cr=None):
        """Write a token answer of Xero (dict) on this connection.

        With ``cr``, the row is updated through that cursor (the caller
        commits); otherwise through the ORM in the current transaction."""
        self.ensure_one()
        expires = fields.Datetime.now() + timedelta(seconds=int(token.get("expires_in") or 1800))
        values = {
            "access_token": token["access_token"],
            "refresh_token": token.get("refresh_token") or self.sudo().refresh_token,
            "token_expires_at": expires,
            "token_scope": token.get("scope") or self.sudo().token_scope,
        }
        if cr is None:
            self.sudo().write(values)
            return values
        cr.execute(
            """UPDATE xero_connection SET access_token=%s, refresh_token=%s,
               token_expires_at=%s, token_scope=%s, write_date=now() at time zone 'UTC'
               WHERE id=%s""",
            (values["access_token"], values["refresh_token"], expires, values["token_scope"], self.id),
        )
        return values

    def _xero_row_held_here(self):
        """Whether the current transaction created, changed or locked this row.

        Another cursor would then wait for our own transaction forever (until
        ``lock_timeout``): such work must be done in the current transaction,
        which already excludes every other worker. True as well when the row
        is not committed yet (another cursor would not see it)."""
        self.sudo().flush_recordset()
        self.env.cr.execute(
            """SELECT xmin = pg_current_xact_id_if_assigned()::xid
                      OR xmax = pg_current_xact_id_if_assigned()::xid
               FROM xero_connection WHERE id=%s""", (self.id,))
        row = self.env.cr.fetchone()
        return bool(row and row[0])

    def _xero_locked_refresh(self, failed_token=None):
        """Refresh the access token under a row lock; return a valid one
        (see :meth:`_xero_locked_tokens`)."""
        return self._xero_locked_tokens(failed_token)[0]

    def _xero_locked_tokens(self, failed_token=None):
        """Under the row lock, a valid ``(access_token, expires_at, refresh_token)``.

        Refreshes at Xero only when the stored access token is
        ``failed_token`` or expires within :data:`REFRESH_MARGIN`. Runs in
        a cursor of its own that commits immediately, so the rotated refresh
        token survives whatever happens to the caller's transaction. If
        another worker refreshed while we waited for the lock, its fresh
        token is used and Xero is not called. When the current transaction
        already holds the row (created, wrote or locked it), the work is
        done in the current transaction instead: another cursor would wait
        for us forever, and the lock we hold already keeps other workers
        out. ``invalid_grant`` disconnects the connection.
        """
        self.ensure_one()
        tokens = None
        if not self._xero_row_held_here():
            with self.env.registry.cursor() as cr:
                row = self._xero_lock_row(cr)
                if row is not None:
                    tokens = self._xero_refresh_if_needed(cr, row, failed_token, commit=True)
        if tokens is None:
            # held here, or invisible to other transactions (written in a
            # savepoint of ours, not committed yet): work in this transaction
            self.env.cr.execute(
                """SELECT access_token, token_expires_at, refresh_token
                   FROM xero_connection WHERE id=%s FOR UPDATE""", (self.id,))
            tokens = self._xero_refresh_if_needed(self.env.cr, self.env.cr.fetchone(), failed_token, commit=False)
        self.invalidate_recordset(TOKEN_FIELDS)
        return tokens

    def _xero_refresh_if_needed(self, cr, row, failed_token, commit):
        access, expires, refresh = row
        if self._xero_token_still_good(access, expires, failed_token):
            return access, expires, refresh  # still valid, or refreshed by another worker meanwhile
        values = self._xero_refresh_in(cr, refresh, commit=commit)
        return values["access_token"], values["token_expires_at"], values["refresh_token"]

    def _xero_lock_row(self, cr):
        """Lock this row in ``cr`` (its own transaction); return its tokens.

        Odoo's transactions are REPEATABLE READ: when another worker
        committed a new token while we waited for the lock, PostgreSQL
        refuses our snapshot (serialization failure). The lock is then taken
        again in a fresh transaction, which sees that worker's token."""
        for attempt in range(LOCK_ATTEMPTS):
            cr.execute("SET LOCAL lock_timeout = %s", (LOCK_TIMEOUT_MS,))
            try:
                cr.execute(
                    """SELECT access_token, token_expires_at, refresh_token
                       FROM xero_connection WHERE id=%s FOR UPDATE""", (self.id,), log_exceptions=False)
                return cr.fetchone()
            except psycopg2.errors.LockNotAvailable as exc:
                raise XeroRetryableError(_("Another process is refreshing the Xero token.")) from exc
            except psycopg2.errors.SerializationFailure:
                cr.rollback()
                if attempt == LOCK_ATTEMPTS - 1:
                    raise
        return None

    @staticmethod
    def _xero_token_still_good(access, expires, failed_token):
        return bool(access and access != failed_token and expires
                    and expires - REFRESH_MARGIN > datetime.utcnow())

    def _xero_refresh_in(self, cr, refresh_token, commit):
        client = XeroClient(self._xero_config(), tokens=None)
        try:
            token = client.refresh_token(refresh_token)
        except XeroAuthError as exc:
            if commit:
                cr.rollback()  # releases the row lock before the news is written
            self._xero_disconnected(_(
                "Xero no longer accepts this connection's authorisation (%(error)s).",
                error=(exc.body or {}).get("error") or exc.message))
            raise
        values = self._xero_store_token(token, cr=cr)
        if commit:
            # own cursor: the rotated token must survive the caller's rollback
            cr.commit()  # pylint: disable=invalid-commit
        return values

    def _xero_check_still_connected(self, access_token, error):
        """After Xero refused a call: is our organisation still connected?

        Asks Identity ``/connections`` with the token that was refused. When
        the organisation is gone from the list (disconnected in Xero) or the
        token is refused there too, the connection is marked disconnected.
        Transient failures of that check change nothing (the next call will
        check again)."""
        self.ensure_one()
        conn = self.sudo()
        if conn.state != "connected" or not access_token:
            return
        client = XeroClient(conn._xero_config(), StaticTokens(access_token))
        try:
            tenants = {c.get("tenantId") for c in client.identity("get_connections").data or []}
        except XeroAuthError:
            tenants = set()
        except XeroError as exc:
            _logger.info("Xero connection %s: could not check the connections list: %s", conn.id, exc)
            return
        if conn.tenant_id not in tenants:
            conn._xero_disconnected(_(
                "The organisation %(org)s is no longer connected to this app in Xero "
                "(Xero answered: %(error)s).", org=conn.tenant_name or conn.tenant_id, error=error.message))

    def _xero_disconnected(self, reason):
        """Mark the connection disconnected, tell the administrators, commit.

        Done in a cursor of its own so the news is not rolled back with the
        caller's failed transaction; done in the current transaction when it
        holds the row already (another cursor would wait for it forever).
        Nothing is sent until reconnected, as every sender checks ``state``
        first (``_ensure_connected``)."""
        self.ensure_one()
        if self._xero_row_held_here():
            self.sudo()._xero_notify_disconnected(reason)
            return
        with self.env.registry.cursor() as cr:
            cr.execute("SET LOCAL lock_timeout = %s", (LOCK_TIMEOUT_MS,))
            conn = self.with_env(self.env(cr=cr, su=True)).exists()
            if conn:
                conn._xero_notify_disconnected(reason)
                # own cursor: the news must survive the caller's rollback
                cr.commit()  # pylint: disable=invalid-commit
        if not conn:  # row not visible to another cursor: record it in the caller's transaction
            self.sudo()._xero_notify_disconnected(reason)
        self.invalidate_recordset(["state", "state_message"])

    def _xero_admins(self):
        """Internal users administering Xero for this connection's company."""
        self.ensure_one()
        return self.env.ref("account_xero.group_xero_manager").sudo().users.filtered(
            lambda u: self.company_id in u.company_ids and not u.share and u.active)

    def _xero_notify_disconnected(self, reason):
        """State "disconnected", a chatter note, an activity and an email for
        every Xero administrator of the company (and the alert addresses when
        email alerts are on). Skips all of it when already disconnected, so a
        burst of refused calls alerts once, and the alerts when an
        administrator is disconnecting it (context ``xero_no_alert``)."""
        self.ensure_one()
        if self.state == "disconnected":
            return
        self.write({"state": "disconnected", "state_message": reason})
        if self.env.context.get("xero_no_alert"):
            return  # an administrator is disconnecting it right now
        admins = self._xero_admins()
        org = self.tenant_name or self.company_id.name
        body = _(
            "Xero disconnected %(org)s: %(reason)s Nothing is sent to Xero until an "
            "administrator reconnects it (Accounting ▸ Configuration ▸ Xero ▸ Connection ▸ Reconnect).",
            org=org, reason=reason)
        self.message_post(body=body, message_type="notification", subtype_xmlid="mail.mt_note")
        for user in admins:
            self.activity_schedule(
                "mail.mail_activity_data_todo", user_id=user.id,
                summary=_("Reconnect Xero"), note=body)
        emails = [u.email for u in admins if u.email]
        if self.alert_mode in ("email", "both") and self.alert_emails:
            emails += [e.strip() for e in self.alert_emails.replace(";", ",").split(",") if e.strip()]
        emails = list(dict.fromkeys(emails))
        if emails:
            self.env["mail.mail"].sudo().create({
                "subject": _("Xero disconnected: %s", org),
                "body_html": f"<p>{html_escape(body)}</p>",
                "email_to": ", ".join(emails),
                "email_from": self.company_id.email_formatted or self.env.user.email_formatted,
                "model": self._name,
                "res_id": self.id,
                "auto_delete": False,
            })
