"""OAuth 2.0 (authorization code + PKCE, refresh rotation, revocation) and /connections.

Mirrors login.xero.com (authorize), identity.xero.com (token, revocation) and
api.xero.com/connections.  Connections are kept per app (one emulated user), so every
access token of an app can reach every tenant the app is connected to — as at Xero.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from urllib.parse import urlencode

from .demo import DEMO
from .pages import consent_page, error_page
from .state import Store
from .util import iso_utc, new_id
from .wire import Request, Response, form_value, html_response, json_response, redirect

ACCESS_TTL = 1800
CODE_TTL = 300
REFRESH_TTL = 60 * 86400
REFRESH_GRACE = 1800
USER_ID = "5b7e9a3c-0d1e-4f2a-8b3c-000000005e01"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def oauth_error(error: str, status: int = 400, description: str | None = None) -> Response:
    """OAuth2 JSON error (``{"error": "invalid_grant"}`` exactly, as xero-python compares it)."""
    data = {"error": error}
    if description:
        data["error_description"] = description
    return json_response(status, data)


#: the parameters of an authorization request (query on GET, form fields on POST)
AUTHORIZE_PARAMS = ("response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge",
                    "code_challenge_method")


class OAuth:
    """Token service bound to a ``Store``."""

    def __init__(self, store: Store):
        self.store = store
        self.secret = secrets.token_bytes(32)

    # -- apps ----------------------------------------------------------------------------
    def register_app(
        self, client_id: str, client_secret: str, redirect_uris, name: str | None = None, prefix_match: bool = False
    ) -> dict:
        """Register (or replace) an app; apps are keyed by client_id."""
        with self.store.lock:
            old = self.store.apps.get(client_id, {})
            app = {
                "client_id": client_id,
                "client_secret": client_secret,
                "redirect_uris": list(redirect_uris or []),
                "name": name or client_id,
                "prefix_match": prefix_match,
                "connections": old.get("connections", {}),
            }
            self.store.apps[client_id] = app
            self.store.dirty = True
            return app

    def register_demo_app(self) -> None:
        """The demo app: any redirect URI under http://127.0.0.1: or http://localhost: is accepted."""
        self.register_app(DEMO.client_id, DEMO.client_secret, DEMO.redirect_uris, DEMO.app_name, prefix_match=True)

    def redirect_ok(self, app: dict, uri: str) -> bool:
        """Whether ``uri`` is registered for ``app``."""
        if not uri:
            return False
        if app.get("prefix_match"):
            return any(uri.startswith(p) for p in app["redirect_uris"])
        return uri in app["redirect_uris"]

    # -- tokens --------------------------------------------------------------------------
    def _jwt(self, claims: dict) -> str:
        header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "emulator"}).encode())
        payload = _b64url(json.dumps(claims, separators=(",", ":")).encode())
        sig = hmac.new(self.secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
        return f"{header}.{payload}.{_b64url(sig)}"

    def connect(self, client_id: str, tenant_ids, auth_event_id: str) -> None:
        """Connect tenants to an app (re-connecting keeps the connection id, bumps updatedDateUtc)."""
        app = self.store.apps[client_id]
        now = iso_utc(self.store.clock.now())
        for tid in tenant_ids:
            org = self.store.org(tid)
            if org is None:
                continue
            existing = next((c for c in app["connections"].values() if c["tenantId"] == tid), None)
            if existing:
                existing.update({"updatedDateUtc": now, "authEventId": auth_event_id, "tenantName": org.name})
            else:
                cid = new_id()
                app["connections"][cid] = {
                    "id": cid,
                    "authEventId": auth_event_id,
                    "tenantId": tid,
                    "tenantType": "ORGANISATION",
                    "tenantName": org.name,
                    "createdDateUtc": now,
                    "updatedDateUtc": now,
                }

    def _issue(self, grant_id: str) -> dict:
        """New access (+ refresh, + id) token for a grant; returns the token response."""
        grant = self.store.grants[grant_id]
        now = self.store.clock.now()
        scopes = grant["scope"].split()
        claims = {
            "nbf": int(now),
            "exp": int(now + ACCESS_TTL),
            "iss": "https://identity.xero.com",
            "aud": "https://identity.xero.com/resources",
            "client_id": grant["client_id"],
            "sub": USER_ID.replace("-", ""),
            "auth_time": int(grant["created"]),
            "xero_userid": USER_ID,
            "global_session_id": grant_id.replace("-", ""),
            "jti": secrets.token_hex(16),
            "authentication_event_id": grant["auth_event_id"],
            "scope": scopes,
        }
        access = self._jwt(claims)
        self.store.access_tokens[access] = {
            "grant_id": grant_id,
            "client_id": grant["client_id"],
            "scope": scopes,
            "expires_at": now + ACCESS_TTL,
        }
        out = {"access_token": access, "expires_in": ACCESS_TTL, "token_type": "Bearer", "scope": grant["scope"]}
        if "offline_access" in scopes:
            refresh = secrets.token_hex(32)
            self.store.refresh_tokens[refresh] = {
                "grant_id": grant_id,
                "client_id": grant["client_id"],
                "expires_at": now + REFRESH_TTL,
                "first_used_at": None,
            }
            out["refresh_token"] = refresh
        if "openid" in scopes:
            out["id_token"] = self._jwt(
                {
                    "nbf": int(now),
                    "exp": int(now + 300),
                    "iss": "https://identity.xero.com",
                    "aud": grant["client_id"],
                    "iat": int(now),
                    "sub": USER_ID.replace("-", ""),
                    "auth_time": int(grant["created"]),
                    "xero_userid": USER_ID,
                    "global_session_id": grant_id.replace("-", ""),
                    "preferred_username": DEMO.user_email,
                    "email": DEMO.user_email,
                    "given_name": "Demo",
                    "family_name": "User",
                    "sid": grant_id.replace("-", ""),
                }
            )
        self.store.dirty = True
        return out

    def new_grant(self, client_id: str, scope: str, tenant_ids) -> str:
        """Record an authorization (a token family) and connect its tenants."""
        grant_id = new_id()
        auth_event_id = new_id()
        self.store.grants[grant_id] = {
            "client_id": client_id,
            "scope": scope,
            "auth_event_id": auth_event_id,
            "created": self.store.clock.now(),
            "revoked": False,
        }
        self.connect(client_id, tenant_ids, auth_event_id)
        return grant_id

    def issue_token(self, client_id: str = DEMO.client_id, tenant_ids=None, scopes=None) -> dict:
        """Shortcut used by tests and benchmarks: a token as if the user had clicked Allow."""
        with self.store.lock:
            if client_id not in self.store.apps:
                raise KeyError(f"unknown client_id {client_id}")
            if tenant_ids is None:
                tenant_ids = [DEMO.tenant_id] if DEMO.tenant_id in self.store.orgs else list(self.store.orgs)[:1]
            if scopes is None:
                scopes = list(DEMO.scopes)
            scope = " ".join(scopes) if not isinstance(scopes, str) else scopes
            grant_id = self.new_grant(client_id, scope, tenant_ids)
            token = self._issue(grant_id)
            token["tenant_ids"] = list(tenant_ids)
            return token

    def check_access(self, token: str | None):
        """Validate a bearer token: (record, None) or (None, error Response)."""
        now = self.store.clock.now()
        rec = self.store.access_tokens.get(token or "")
        if rec is None or self.store.grants.get(rec["grant_id"], {}).get("revoked", True):
            return None, unauthorized("AuthenticationUnsuccessful", 'Bearer error="invalid_token"')
        if now >= rec["expires_at"]:
            when = iso_utc(rec["expires_at"])[:19].replace("T", " ")
            return None, unauthorized(
                f"TokenExpired: token expired at {when}",
                f'Bearer error="invalid_token", error_description="The token expired at \'{when}\'"',
            )
        return rec, None

    def tenant_allowed(self, client_id: str, tenant_id: str) -> bool:
        """Whether the app is connected to this tenant."""
        app = self.store.apps.get(client_id)
        return bool(app) and any(c["tenantId"] == tenant_id for c in app["connections"].values())

    # -- HTTP: authorize -----------------------------------------------------------------
    def authorize(self, req: Request) -> Response:  # noqa: PLR0911 - one return per outcome
        """GET shows the consent page; POST (Allow/Cancel) redirects back to the app."""
        if req.method == "POST":
            form = req.form()
            p = {k: form_value(form, k) for k in AUTHORIZE_PARAMS}
            tenant_ids = [t for t in form.get("tenant_id", []) if t]
            action = form_value(form, "action", "allow").lower()
        else:
            p = {k: req.q(k, "") for k in AUTHORIZE_PARAMS}
            tenant_ids, action = [], None
        with self.store.lock:
            app = self.store.apps.get(p["client_id"])
            if app is None:
                return error_page("unauthorized_client", "Unknown client or client not enabled")
            if not self.redirect_ok(app, p["redirect_uri"]):
                return error_page("invalid_request", "Invalid redirect_uri")
            back = p["redirect_uri"] + ("&" if "?" in p["redirect_uri"] else "?")
            if p["response_type"] != "code":
                return redirect(back + urlencode({"error": "unsupported_response_type", "state": p["state"]}))
            if not p["scope"].split():
                return redirect(back + urlencode({"error": "invalid_scope", "state": p["state"]}))
            if p["code_challenge"] and p["code_challenge_method"] not in ("S256", "plain"):
                return redirect(back + urlencode({"error": "invalid_request", "state": p["state"]}))
            if action is None:
                return html_response(200, consent_page(self.store, app, p))
            if action != "allow":
                return redirect(back + urlencode({"error": "access_denied", "state": p["state"]}))
            if not tenant_ids:
                tenant_ids = [DEMO.tenant_id] if DEMO.tenant_id in self.store.orgs else list(self.store.orgs)[:1]
            tenant_ids = [t for t in tenant_ids if t in self.store.orgs]
            code = secrets.token_urlsafe(32)
            self.store.codes[code] = {
                **p,
                "tenant_ids": tenant_ids,
                "expires_at": self.store.clock.now() + CODE_TTL,
                "used": False,
                "grant_id": None,
            }
            return redirect(
                back
                + urlencode(
                    {"code": code, "scope": p["scope"], "state": p["state"], "session_state": secrets.token_hex(8)}
                )
            )

    # -- HTTP: token ---------------------------------------------------------------------
    def _client(self, req: Request, form: dict):
        """Authenticate the client: (app, basic_used, error Response)."""
        client_id, secret, basic = form_value(form, "client_id"), form_value(form, "client_secret"), False
        auth = req.header("Authorization", "")
        if auth.lower().startswith("basic "):
            basic = True
            try:
                client_id, _, secret = base64.b64decode(auth[6:].strip()).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                return None, basic, oauth_error("invalid_client", 401)
        app = self.store.apps.get(client_id)
        if app is None:
            return None, basic, oauth_error("invalid_client", 401 if basic else 400)
        if secret and not hmac.compare_digest(secret, app["client_secret"]):
            return None, basic, oauth_error("invalid_client", 401 if basic else 400)
        return (app, bool(secret)), basic, None

    def token(self, req: Request) -> Response:
        """POST /connect/token: authorization_code and refresh_token grants."""
        form = req.form()
        grant_type = form_value(form, "grant_type")
        with self.store.lock:
            client, _basic, err = self._client(req, form)
            if err:
                return err
            if grant_type == "authorization_code":
                return self._code_grant(form, *client)
            if grant_type == "refresh_token":
                return self._refresh_grant(form, client[0])
            if grant_type == "client_credentials":
                return oauth_error("unauthorized_client")
            return oauth_error("unsupported_grant_type")

    @staticmethod
    def _pkce_ok(code: dict, verifier: str) -> bool:
        if code["code_challenge_method"] == "S256":
            computed = _b64url(hashlib.sha256(verifier.encode()).digest())
        else:
            computed = verifier
        return bool(verifier) and hmac.compare_digest(computed, code["code_challenge"])

    def _code_grant(self, form: dict, app: dict, authenticated: bool) -> Response:
        """Exchange a code: single use, 5 minutes, same redirect_uri, PKCE when a challenge was sent."""
        code = self.store.codes.get(form_value(form, "code"))
        if code is None or code["client_id"] != app["client_id"]:
            return oauth_error("invalid_grant")
        if code["used"]:
            if code["grant_id"]:  # replay: revoke what the code produced (RFC 6749 4.1.2)
                self._revoke_grant(code["grant_id"], disconnect=False)
            return oauth_error("invalid_grant")
        expired = self.store.clock.now() > code["expires_at"]
        if expired or form_value(form, "redirect_uri") != code["redirect_uri"]:
            return oauth_error("invalid_grant")
        if code["code_challenge"]:
            if not self._pkce_ok(code, form_value(form, "code_verifier")):
                return oauth_error("invalid_grant")
        elif not authenticated:
            return oauth_error("invalid_client", 400)
        code["used"] = True
        code["grant_id"] = self.new_grant(app["client_id"], code["scope"], code["tenant_ids"])
        return json_response(200, self._issue(code["grant_id"]))

    def _refresh_grant(self, form: dict, app: dict) -> Response:
        """Rotate: new tokens each time; the old refresh token has a 30-minute grace after first use."""
        now = self.store.clock.now()
        rt = self.store.refresh_tokens.get(form_value(form, "refresh_token"))
        if rt is None or rt["client_id"] != app["client_id"]:
            return oauth_error("invalid_grant")
        grant = self.store.grants.get(rt["grant_id"])
        if grant is None or grant["revoked"] or now > rt["expires_at"]:
            return oauth_error("invalid_grant")
        if rt["first_used_at"] is None:
            rt["first_used_at"] = now
        elif now - rt["first_used_at"] > REFRESH_GRACE:
            return oauth_error("invalid_grant")
        return json_response(200, self._issue(rt["grant_id"]))

    def _revoke_grant(self, grant_id: str, disconnect: bool) -> None:
        grant = self.store.grants.get(grant_id)
        if grant is None:
            return
        grant["revoked"] = True
        for tok in [t for t, r in self.store.access_tokens.items() if r["grant_id"] == grant_id]:
            del self.store.access_tokens[tok]
        for tok in [t for t, r in self.store.refresh_tokens.items() if r["grant_id"] == grant_id]:
            del self.store.refresh_tokens[tok]
        if disconnect:
            app = self.store.apps.get(grant["client_id"])
            if app:
                app["connections"].clear()
        self.store.dirty = True

    def revocation(self, req: Request) -> Response:
        """POST /connect/revocation: revoke a refresh token's family (and the app's connections)."""
        form = req.form()
        with self.store.lock:
            client, _basic, err = self._client(req, form)
            if err:
                return err
            token = form_value(form, "token")
            rt = self.store.refresh_tokens.get(token)
            rec = rt or self.store.access_tokens.get(token)
            if rec and rec["client_id"] == client[0]["client_id"]:
                self._revoke_grant(rec["grant_id"], disconnect=True)
            return Response(200, b"", "application/json")

    # -- HTTP: connections ---------------------------------------------------------------


def unauthorized(detail: str, www_auth: str) -> Response:
    """Xero-style 401 body plus a WWW-Authenticate header."""
    return json_response(
        401,
        {
            "Type": None,
            "Title": "Unauthorized",
            "Status": 401,
            "Detail": detail,
            "Instance": new_id(),
            "Extensions": {},
        },
        {"WWW-Authenticate": www_auth},
    )


def forbidden(detail: str = "AuthenticationUnsuccessful") -> Response:
    """Xero-style 403 (tenant missing, unknown or not connected)."""
    return json_response(
        403,
        {"Type": None, "Title": "Forbidden", "Status": 403, "Detail": detail, "Instance": new_id(), "Extensions": {}},
    )
