import logging
from datetime import datetime, timedelta

import psycopg2

from odoo import _, fields, models

from ..services.client import XeroClient
from ..services.errors import XeroAuthError, XeroRetryableError

_logger = logging.getLogger(__name__)

#: refresh this long before Xero's 30-minute access tokens expire
REFRESH_MARGIN = timedelta(minutes=2)
LOCK_TIMEOUT_MS = 15000


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

    def access_token(self):
        conn = self.connection
        expires = conn.token_expires_at
        if conn.access_token and expires and expires - REFRESH_MARGIN > fields.Datetime.now():
            return conn.access_token
        return conn._xero_locked_refresh(failed_token=conn.access_token)

    def refresh(self, failed_token):
        return self.connection._xero_locked_refresh(failed_token=failed_token)


class XeroConnectionAuth(models.Model):
    _inherit = "xero.connection"

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
            return
        cr.execute(
            """UPDATE xero_connection SET access_token=%s, refresh_token=%s,
               token_expires_at=%s, token_scope=%s, write_date=now() at time zone 'UTC'
               WHERE id=%s""",
            (values["access_token"], values["refresh_token"], expires, values["token_scope"], self.id),
        )

    def _xero_locked_refresh(self, failed_token=None):
        """Refresh the access token under a row lock; return a valid one.

        Runs in a cursor of its own that commits immediately, so the rotated
        refresh token survives whatever happens to the caller's transaction.
        If another worker refreshed while we waited for the lock, its fresh
        token is used and Xero is not called. A connection row not committed
        yet (created in this very transaction) is refreshed in the current
        transaction instead. ``invalid_grant`` disconnects the connection.
        """
        self.ensure_one()
        with self.env.registry.cursor() as cr:
            cr.execute("SET LOCAL lock_timeout = %s", (LOCK_TIMEOUT_MS,))
            try:
                cr.execute(
                    """SELECT access_token, refresh_token, token_expires_at
                       FROM xero_connection WHERE id=%s FOR UPDATE""", (self.id,))
            except psycopg2.errors.LockNotAvailable as exc:
                raise XeroRetryableError(_("Another process is refreshing the Xero token.")) from exc
            row = cr.fetchone()
            if row is None:
                return self._xero_refresh_in(self.env.cr, self.sudo().refresh_token, commit=False)
            access, refresh, expires = row
            if access and access != failed_token and expires and \
                    expires - REFRESH_MARGIN > datetime.utcnow():
                token = access  # refreshed by another worker meanwhile
            else:
                token = self._xero_refresh_in(cr, refresh, commit=True)
        self.invalidate_recordset(["access_token", "refresh_token", "token_expires_at", "token_scope"])
        return token

    def _xero_refresh_in(self, cr, refresh_token, commit):
        client = XeroClient(self._xero_config(), tokens=None)
        try:
            token = client.refresh_token(refresh_token)
        except XeroAuthError as exc:
            if commit:
                cr.rollback()
            self._xero_disconnected(str(exc))
            raise
        self._xero_store_token(token, cr=cr)
        if commit:
            cr.commit()
        return token["access_token"]

    def _xero_disconnected(self, reason):
        """Mark the connection disconnected, tell the administrators, commit.

        Done in a cursor of its own so the news is not rolled back with the
        caller's failed transaction. Nothing is sent until reconnected, as
        every sender checks ``state`` first."""
        self.ensure_one()
        with self.env.registry.cursor() as cr:
            conn = self.with_env(self.env(cr=cr, su=True)).exists()
            if conn:
                conn._xero_notify_disconnected(reason)
                cr.commit()
        if not conn:  # row not committed yet: record it in the caller's transaction
            self.sudo()._xero_notify_disconnected(reason)
        self.invalidate_recordset(["state", "state_message"])

    def _xero_notify_disconnected(self, reason):
        self.ensure_one()
        self.write({"state": "disconnected", "state_message": reason})
        admins = self.env.ref("account_xero.group_xero_manager").users.filtered(
            lambda u: self.company_id in u.company_ids and not u.share)
        body = _(
            "Xero disconnected %(org)s: %(reason)s. Nothing is sent to Xero until an "
            "administrator reconnects it.", org=self.tenant_name or self.company_id.name, reason=reason)
        self.message_post(body=body, partner_ids=admins.partner_id.ids,
                          message_type="notification", subtype_xmlid="mail.mt_comment")
        for user in admins:
            self.activity_schedule(
                "mail.mail_activity_data_todo", user_id=user.id,
                summary=_("Reconnect Xero"), note=body)
