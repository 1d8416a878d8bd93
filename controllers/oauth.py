"""The OAuth2 callback Xero redirects the administrator's browser to.

``GET /xero/oauth/callback?state=…&code=…`` (or ``?state=…&error=…``),
logged-in users only (others are sent to the login page first). It accepts
the one callback of a "Connect to Xero" started by this user, in this
browser session, less than 15 minutes ago, not used yet, while the user is
still a Xero administrator of the connection's company; it then exchanges the
code with the PKCE verifier and connects the organisation (or opens the
choice of organisation).

Every other case is a plain HTML page saying what happened, and changes
nothing on the connection (the exchange and the connection run in a
savepoint, rolled back on any refusal):

* **400** — no ``state``, an unknown (forged) one, one already used (a
  replay), one started by another user or in another browser session, an
  expired one, an ``error`` sent back by Xero (``access_denied`` when the
  user cancelled, or any other), no ``code``, or Xero's token endpoint
  refusing the code;
* **403** — the user is no longer a Xero administrator, or no longer has
  the connection's company;
* **502** — Xero out of reach, failing, or answering something that is not
  a token: only then.

A state is burnt (cannot be used again) once its own user and session
presented it, whatever the outcome; a replay by anyone else leaves it alone.
"""

import logging
import re

from odoo import _, http
from odoo.exceptions import UserError
from odoo.http import request

from ..models.xero_oauth_state import XeroOAuthRefused
from ..services.errors import XeroError

_logger = logging.getLogger(__name__)

#: OAuth error codes are short lower-case words (RFC 6749 §4.1.2.1)
_ERROR_CODE = re.compile(r"[a-z_]{1,64}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
#: characters of Xero's error description shown at most
DESCRIPTION_MAX = 300


def _clean_error(error):
    """The OAuth ``error`` code as Xero sent it, or "unknown_error"."""
    return error if isinstance(error, str) and _ERROR_CODE.fullmatch(error) else "unknown_error"


def _clean_text(text, limit=DESCRIPTION_MAX):
    """Text for the page: no control character, at most ``limit`` characters."""
    return _CONTROL.sub(" ", text)[:limit].strip() if isinstance(text, str) else ""


def _xero_error_reason(error, description):
    """A bookkeeper's sentence for an OAuth ``error`` Xero sent back."""
    if error == "access_denied":
        return _("You cancelled the authorisation on Xero's page.")
    if error == "invalid_scope":
        return _("Xero refused the permissions asked for.")
    if error == "unauthorized_client":
        return _("Xero does not know this app, or the app is not allowed to connect.")
    return description or _("Xero reported an error.")


class XeroOAuthController(http.Controller):

    @http.route("/xero/oauth/callback", type="http", auth="user", methods=["GET"], readonly=False)
    def xero_oauth_callback(self, state=None, code=None, error=None, error_description=None, **kwargs):
        """Finish a "Connect to Xero" (see the module doc for what is
        accepted and every page refusing the rest)."""
        pending = None
        try:
            pending = request.env["xero.oauth.state"]._xero_consume(state, request.session.sid)
            if error:
                error = _clean_error(error)
                raise XeroOAuthRefused(_("Xero did not authorise the connection"), _(
                    "%(reason)s (Xero answered: %(error)s.) Nothing was changed; you can start "
                    "again with the Connect button.",
                    reason=_xero_error_reason(error, _clean_text(error_description)), error=error))
            if not code:
                raise XeroOAuthRefused(_("No authorisation code"), _(
                    "Xero came back without an authorisation code. Start again with the Connect button."))
            with request.env.cr.savepoint():
                url = pending._xero_exchange(code)
        except XeroOAuthRefused as exc:
            _logger.info("Xero OAuth callback refused: %s", exc.title)
            self._note(pending, f"{exc.title} ({error})" if error else exc.title)
            return self._page(exc.title, exc.message, status=exc.status)
        except UserError as exc:
            _logger.info("Xero OAuth callback refused: %s", exc.args[0])
            self._note(pending, exc.args[0])
            return self._page(_("The connection could not be completed"), exc.args[0], status=400)
        except XeroError as exc:
            _logger.warning("Xero OAuth callback failed: %s", exc.message)
            self._note(pending, exc.message)
            return self._page(_("Xero could not be reached"), _(
                "%(error)s Nothing was changed; start again with the Connect button in a moment.",
                error=exc.message), status=502)
        return request.redirect(url)

    @staticmethod
    def _note(pending, message):
        """Keep why the authorisation failed on it (for the administrator)."""
        if pending:
            pending.sudo().message = _clean_text(str(message), 250)

    def _page(self, title, message, status=200):
        return request.render("account_xero.xero_oauth_page", {
            "title": title,
            "message": message,
            "back_url": "/odoo/action-account_xero.action_xero_connection",
        }, status=status)
