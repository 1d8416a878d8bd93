"""The OAuth2 callback Xero redirects the administrator's browser to."""

import logging

from odoo import _, http
from odoo.exceptions import UserError
from odoo.http import request

from ..models.xero_oauth_state import XeroOAuthRefused
from ..services.errors import XeroError

_logger = logging.getLogger(__name__)


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
        """Finish a "Connect to Xero": check the state (this user, this
        browser session, not used, not expired), exchange the code with the
        PKCE verifier, then connect the organisation or open the choice.

        Every refusal is a plain page saying what happened; nothing is
        changed on the connection then."""
        Pending = request.env["xero.oauth.state"]
        try:
            pending = Pending._xero_consume(state, request.session.sid)
            if error:
                pending.message = error
                raise XeroOAuthRefused(_("Xero did not authorise the connection"), _(
                    "%(reason)s (Xero answered: %(error)s.) Nothing was changed; you can start "
                    "again with the Connect button.", reason=_xero_error_reason(error, error_description),
                    error=error))
            if not code:
                raise XeroOAuthRefused(_("No authorisation code"), _(
                    "Xero came back without an authorisation code. Start again with the Connect button."))
            url = pending._xero_exchange(code)
        except XeroOAuthRefused as exc:
            _logger.info("Xero OAuth callback refused: %s", exc.message)
            return self._page(exc.title, exc.message, status=400)
        except UserError as exc:
            return self._page(_("The connection could not be completed"), exc.args[0], status=400)
        except XeroError as exc:
            _logger.warning("Xero OAuth callback failed: %s", exc.message)
            return self._page(_("Xero could not be reached"), _(
                "%(error)s Nothing was changed; try again in a moment.", error=exc.message), status=502)
        return request.redirect(url)

    def _page(self, title, message, status=200):
        return request.render("account_xero.xero_oauth_page", {
            "title": title,
            "message": message,
            "back_url": "/odoo/action-account_xero.action_xero_connection",
        }, status=status)
