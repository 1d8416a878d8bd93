"""The tokens of a connection, and what happens when Xero stops accepting them.

Xero's access tokens last 30 minutes and every refresh rotates the refresh
token: a refresh whose answer is lost, or two workers refreshing at once,
would lose the connection. So a refresh happens under a row lock, in a
database session of its own that commits at once (the rotated token
survives whatever happens to the caller's transaction); a worker that waited
for the lock uses the token the other one stored.

When Xero refuses the grant (``invalid_grant``), or refuses a call and the
organisation is no longer in the app's connections, the connection is marked
disconnected and its administrators are told — recorded in a session of its
own too, so that neither the caller's rollback nor its snapshot can lose it
(the run that discovered it rolls back before writing anything else). A
refusal while the organisation is still connected is a missing permission:
only the calls that need it fail (:class:`~..services.errors.XeroPermissionError`).
"""

import logging
from datetime import datetime, timedelta

import psycopg2

from odoo import fields
from odoo.tools import html_escape

from ..services.api import IdentityAdapter
from ..services.client import StaticTokens, XeroClient
from ..services.errors import XeroAuthError, XeroError, XeroRetryableError
from .rate import governor_of

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
    """

    def __init__(self, connection):
        self.connection = connection.sudo()
        #: (access token, expiry) this source refreshed or locked-read itself:
        #: the caller's transaction may not see the row committed by the
        #: refresh session (REPEATABLE READ snapshot), so it is remembered here
        self.known = None

    def access_token(self):
        if self.known and token_still_good(*self.known, None):
            return self.known[0]
        # asked before each call, often just after a commit: the token columns only
        self.connection.fetch(TOKEN_FIELDS)
        if token_still_good(self.connection.access_token, self.connection.token_expires_at, None):
            return self.connection.access_token
        return self._refresh(self.connection.access_token)

    def refresh(self, failed_token):
        return self._refresh(failed_token)

    def _refresh(self, failed_token):
        access, expires, _refresh = locked_tokens(self.connection, failed_token=failed_token)
        self.known = (access, expires)
        return access


def client_of(connection, access_token=None, **kwargs):
    """The one place a :class:`XeroClient` is made for a connection.

    Without ``access_token``: the client of the connected organisation, with
    its tokens (refreshed under the row lock) and a check of the organisation
    when Xero refuses a call. With a token string: a client using a token
    already held (the OAuth callback, identity checks). With ``False``: a
    client for the token endpoints only (code exchange, refresh, revocation)."""
    connection.ensure_one()
    config = connection._xero_config()
    if access_token is False:
        return XeroClient(config, None, **kwargs)
    if access_token:
        return XeroClient(config, StaticTokens(access_token), **kwargs)
    connection._ensure_connected()
    kwargs.setdefault("governor", governor_of(connection.env))
    return XeroClient(config, ConnectionTokens(connection),
                      on_refused=lambda token, error: still_connected(connection, token, error), **kwargs)


def token_still_good(access, expires, failed_token):
    return bool(access and access != failed_token and expires and expires - REFRESH_MARGIN > datetime.utcnow())


def store_token(connection, token, cr=None):
    """Write a token answer of Xero (dict) on ``connection``; with ``cr``
    through that cursor (the caller commits), else through the ORM."""
    connection.ensure_one()
    conn = connection.sudo()
    expires = fields.Datetime.now() + timedelta(seconds=int(token.get("expires_in") or 1800))
    values = {
        "access_token": token["access_token"],
        "refresh_token": token.get("refresh_token") or conn.refresh_token,
        "token_expires_at": expires,
        "token_scope": token.get("scope") or conn.token_scope,
    }
    if cr is None:
        conn.write(values)
        return values
    cr.execute(
        """UPDATE xero_connection SET access_token=%s, refresh_token=%s, token_expires_at=%s, token_scope=%s,
                  write_date=now() at time zone 'UTC' WHERE id=%s""",
        (values["access_token"], values["refresh_token"], expires, values["token_scope"], connection.id))
    return values


def row_held_here(connection):
    """Whether the current transaction created, changed or locked the
    connection's row: another session would then wait for it forever, so
    such work is done in the current transaction (which already keeps other
    workers out). True as well when the row is not committed yet."""
    connection.sudo().flush_recordset()
    cr = connection.env.cr
    cr.execute("""SELECT xmin = pg_current_xact_id_if_assigned()::xid OR xmax = pg_current_xact_id_if_assigned()::xid
                    FROM xero_connection WHERE id=%s""", (connection.id,))
    row = cr.fetchone()
    return bool(row and row[0])


def locked_tokens(connection, failed_token=None):
    """Under the row lock, a valid ``(access_token, expires_at, refresh_token)``.

    Refreshes at Xero only when the stored access token is ``failed_token``
    or expires within :data:`REFRESH_MARGIN`; a worker that waited for the
    lock finds the other one's fresh token and does not call Xero.
    ``invalid_grant`` disconnects the connection."""
    connection.ensure_one()
    tokens = None
    if not row_held_here(connection):
        with connection.env.registry.cursor() as cr:
            row = _lock_row(connection, cr)
            if row is not None:
                tokens = _refresh_if_needed(connection, cr, row, failed_token, commit=True)
    if tokens is None:
        # held here, or invisible to other transactions: work in this transaction
        connection.env.cr.execute("SELECT access_token, token_expires_at, refresh_token FROM xero_connection "
                                  "WHERE id=%s FOR UPDATE", (connection.id,))
        tokens = _refresh_if_needed(connection, connection.env.cr, connection.env.cr.fetchone(), failed_token,
                                    commit=False)
    connection.invalidate_recordset(TOKEN_FIELDS)
    return tokens


def _refresh_if_needed(connection, cr, row, failed_token, commit):
    access, expires, refresh = row
    if token_still_good(access, expires, failed_token):
        return access, expires, refresh  # still valid, or refreshed by another worker meanwhile
    try:
        token = client_of(connection, False).refresh_token(refresh)
    except XeroAuthError as exc:
        if commit:
            cr.rollback()  # releases the row lock before the news is written
        disconnected(connection, connection.env._(
            "Xero no longer accepts this connection's authorisation (%(error)s).",
            error=(exc.body or {}).get("error") or exc.message))
        raise
    values = store_token(connection, token, cr=cr)
    if commit:
        cr.commit()  # pylint: disable=invalid-commit  # own session: the rotated token must survive
    return values["access_token"], values["token_expires_at"], values["refresh_token"]


def _lock_row(connection, cr):
    """Lock the row in ``cr`` (its own transaction); return its tokens.

    Odoo's transactions are REPEATABLE READ: when another worker committed a
    new token while we waited, PostgreSQL refuses our snapshot; the lock is
    then taken again in a fresh transaction, which sees that worker's token."""
    for attempt in range(LOCK_ATTEMPTS):
        cr.execute("SET LOCAL lock_timeout = %s", (LOCK_TIMEOUT_MS,))
        try:
            cr.execute("SELECT access_token, token_expires_at, refresh_token FROM xero_connection "
                       "WHERE id=%s FOR UPDATE", (connection.id,), log_exceptions=False)
            return cr.fetchone()
        except psycopg2.errors.LockNotAvailable as exc:
            raise XeroRetryableError(connection.env._("Another process is refreshing the Xero token.")) from exc
        except psycopg2.errors.SerializationFailure:
            cr.rollback()
            if attempt == LOCK_ATTEMPTS - 1:
                raise
    return None


def still_connected(connection, access_token, error):
    """After Xero refused a call: is our organisation still connected?

    Asks Identity ``/connections`` with the token that was refused. When the
    organisation is gone (disconnected in Xero) or the token is refused
    there too, the connection is disconnected and False returned; True when
    it is still there (the refusal is a missing permission). A transient
    failure of that check changes nothing and returns False: the refusal is
    raised as it is and the next call checks again."""
    conn = connection.sudo()
    if conn.state != "connected" or not access_token:
        return False
    try:
        tenants = IdentityAdapter(client_of(conn, access_token)).tenant_ids()
    except XeroAuthError:
        tenants = set()
    except XeroError as exc:
        _logger.info("Xero connection %s: could not check the connections list: %s", conn.id, exc)
        return False
    if conn.tenant_id in tenants:
        return True
    disconnected(conn, conn.env._(
        "The organisation %(org)s is no longer connected to this app in Xero (Xero answered: %(error)s).",
        org=conn.tenant_name or conn.tenant_id, error=error.message))
    return False


def disconnected(connection, reason):
    """Mark the connection disconnected, tell the administrators, commit —
    in a session of its own, so the news survives the caller's rollback; in
    the current transaction when it holds the row (another session would
    wait for it forever) or the row is not visible to another session."""
    connection.ensure_one()
    if row_held_here(connection):
        notify_disconnected(connection.sudo(), reason)
        return
    conn = None
    with connection.env.registry.cursor() as cr:
        cr.execute("SET LOCAL lock_timeout = %s", (LOCK_TIMEOUT_MS,))
        conn = connection.with_env(connection.env(cr=cr, su=True)).exists()
        if conn:
            notify_disconnected(conn, reason)
            cr.commit()  # pylint: disable=invalid-commit  # own session: the news must survive a rollback
    if not conn:
        notify_disconnected(connection.sudo(), reason)
    connection.invalidate_recordset(["state", "state_message"])


def notify_disconnected(connection, reason):
    """State "disconnected", a chatter note, an activity and an email for
    every Xero administrator of the company (and the alert addresses when
    email alerts are on). Nothing when already disconnected (a burst of
    refused calls alerts once), and no alert when an administrator is
    disconnecting it (context ``xero_no_alert``)."""
    env = connection.env
    if connection.state == "disconnected":
        return
    connection.write({"state": "disconnected", "state_message": reason})
    if env.context.get("xero_no_alert"):
        return
    admins = connection._xero_admins()
    org = connection.tenant_name or connection.company_id.name
    body = env._(
        "Xero disconnected %(org)s: %(reason)s Nothing is sent to Xero until an administrator reconnects it "
        "(Accounting ▸ Configuration ▸ Xero ▸ Connection ▸ Reconnect).", org=org, reason=reason)
    connection.message_post(body=body, message_type="notification", subtype_xmlid="mail.mt_note")
    for user in admins:
        connection.activity_schedule("mail.mail_activity_data_todo", user_id=user.id,
                                     summary=env._("Reconnect Xero"), note=body)
    emails = [u.email for u in admins if u.email]
    if connection.alert_mode in ("email", "both") and connection.alert_emails:
        emails += [e.strip() for e in connection.alert_emails.replace(";", ",").split(",") if e.strip()]
    emails = list(dict.fromkeys(emails))
    if emails:
        env["mail.mail"].sudo().create({
            "subject": env._("Xero disconnected: %s", org),
            "body_html": f"<p>{html_escape(body)}</p>",
            "email_to": ", ".join(emails),
            "email_from": connection.company_id.email_formatted or env.user.email_formatted,
            "model": connection._name,
            "res_id": connection.id,
            "auto_delete": False,
        })
