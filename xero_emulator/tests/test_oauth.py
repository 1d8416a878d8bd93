"""OAuth2 authorization code + PKCE, refresh rotation, revocation, connections, scopes."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from conftest import XeroClient, make_client
from helpers import invoice
from xero_python.accounting import Invoices
from xero_python.exceptions import HTTPStatusException

from xero_emulator import DEMO

REDIRECT = "http://127.0.0.1:8069/xero/callback"
SCOPE = "offline_access openid profile email accounting.transactions accounting.contacts accounting.settings"


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorize(
    emu, challenge=None, tenant_ids=None, action="allow", redirect=REDIRECT, client_id=DEMO.client_id, scope=SCOPE
):
    """Drive the consent page with requests; returns the redirect query."""
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect,
        "scope": scope,
        "state": "st-123",
    }
    if challenge:
        query.update(code_challenge=challenge, code_challenge_method="S256")
    page = requests.get(emu.base_url + "/identity/connect/authorize", params=query, timeout=5)
    assert page.status_code == 200 and '<select name="tenant_id"' in page.text and 'value="allow"' in page.text
    data = dict(query, action=action)
    if tenant_ids:
        data["tenant_id"] = tenant_ids
    resp = requests.post(emu.base_url + "/identity/connect/authorize", data=data, allow_redirects=False, timeout=5)
    assert resp.status_code == 302
    location = resp.headers["Location"]
    assert location.startswith(redirect)
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def exchange(xero_or_client, emu, code, verifier=None, redirect=REDIRECT, secret=DEMO.client_secret):
    """The code exchange through xero-python's HTTP stack (ApiClient.call_api, like TokenApi)."""
    client = xero_or_client.api_client
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect, "client_id": DEMO.client_id}
    if secret:
        form["client_secret"] = secret
    if verifier:
        form["code_verifier"] = verifier
    resp, status, _headers = client.call_api(
        emu.base_url + "/connect/token",
        "POST",
        header_params={"Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded"},
        post_params=form,
        auth_settings=None,
        _preload_content=False,
    )
    assert status == 200
    return json.loads(resp.data)


def unauth_client(emu) -> XeroClient:
    return XeroClient(emu, {"access_token": "none", "expires_in": 1800, "token_type": "Bearer", "scope": ""})


def test_authorization_code_with_pkce(emu):
    verifier, challenge = pkce()
    query = authorize(emu, challenge)
    assert query["state"] == "st-123" and query["code"]
    client = unauth_client(emu)
    token = exchange(client, emu, query["code"], verifier, secret=None)
    assert token["expires_in"] == 1800 and token["token_type"] == "Bearer"
    assert token["refresh_token"] and token["id_token"] and token["scope"] == SCOPE
    xero = XeroClient(emu, token)
    conns = xero.identity.get_connections()
    assert [(c.tenant_id, c.tenant_type, c.tenant_name) for c in conns] == [
        (DEMO.tenant_id, "ORGANISATION", DEMO.tenant_name)
    ]
    assert conns[0].auth_event_id and conns[0].created_date_utc is not None
    assert xero.accounting.get_organisations(DEMO.tenant_id).organisations[0].name == DEMO.tenant_name


@pytest.mark.parametrize("problem", ["wrong_verifier", "wrong_redirect", "replay", "expired", "no_verifier"])
def test_code_exchange_failures(emu, problem):
    verifier, challenge = pkce()
    query = authorize(emu, challenge)
    client = unauth_client(emu)
    kwargs = {"verifier": verifier}
    if problem == "wrong_verifier":
        kwargs["verifier"] = pkce()[0]
    elif problem == "no_verifier":
        kwargs["verifier"] = None
    elif problem == "wrong_redirect":
        kwargs["redirect"] = "http://127.0.0.1:8069/other"
    elif problem == "replay":
        exchange(client, emu, query["code"], verifier)
    elif problem == "expired":
        emu.advance_clock(301)
    with pytest.raises(HTTPStatusException) as err:
        exchange(client, emu, query["code"], **kwargs)
    assert err.value.status == 400 and json.loads(err.value.body) == {"error": "invalid_grant"}


def test_authorize_errors_and_cancel(emu):
    base = emu.base_url + "/identity/connect/authorize"
    q = {"response_type": "code", "client_id": "NOPE", "redirect_uri": REDIRECT, "scope": SCOPE, "state": "s"}
    resp = requests.get(base, params=q, allow_redirects=False, timeout=5)
    assert resp.status_code == 400 and "Location" not in resp.headers and "text/html" in resp.headers["Content-Type"]
    q.update(client_id=DEMO.client_id, redirect_uri="https://evil.example.com/cb")
    resp = requests.get(base, params=q, allow_redirects=False, timeout=5)
    assert resp.status_code == 400 and "Location" not in resp.headers
    emu.register_app("MYAPP", "s3cret", ["http://127.0.0.1:9000/cb"])
    q.update(client_id="MYAPP", redirect_uri="http://127.0.0.1:9000/cb2")
    assert requests.get(base, params=q, timeout=5).status_code == 400
    cancelled = authorize(emu, action="cancel")
    assert cancelled == {"error": "access_denied", "state": "st-123"}


def test_connect_two_organisations_then_disconnect_one(emu):
    second = emu.add_organisation("Second Company")
    verifier, challenge = pkce()
    query = authorize(emu, challenge, tenant_ids=[DEMO.tenant_id, second])
    xero = XeroClient(emu, exchange(unauth_client(emu), emu, query["code"], verifier))
    conns = xero.identity.get_connections()
    assert {c.tenant_id for c in conns} == {DEMO.tenant_id, second}
    assert len({c.auth_event_id for c in conns}) == 1
    assert xero.accounting.get_organisations(second).organisations[0].name == "Second Company"
    target = next(c for c in conns if c.tenant_id == second)
    xero.identity.delete_connection(target.id)
    assert [c.tenant_id for c in xero.identity.get_connections()] == [DEMO.tenant_id]
    with pytest.raises(HTTPStatusException) as err:
        xero.accounting.get_organisations(second)
    assert err.value.status == 403 and json.loads(err.value.body)["Detail"] == "AuthenticationUnsuccessful"


def test_refresh_rotation_grace_and_expiry(emu):
    xero = make_client(emu)
    first_refresh = xero.token["refresh_token"]
    new = xero.api_client.refresh_oauth2_token()
    assert new["refresh_token"] != first_refresh and new["access_token"]
    assert xero.accounting.get_organisations(DEMO.tenant_id).organisations
    # the previous refresh token stays usable for 30 minutes after its first use
    emu.advance_clock(20 * 60)
    again = XeroClient(emu, dict(xero.token, refresh_token=first_refresh))
    assert again.api_client.refresh_oauth2_token()["refresh_token"]
    emu.advance_clock(11 * 60)
    late = XeroClient(emu, dict(xero.token, refresh_token=first_refresh))
    with pytest.raises(HTTPStatusException) as err:
        late.api_client.refresh_oauth2_token()
    assert json.loads(err.value.body) == {"error": "invalid_grant"}
    # a refresh token unused for 60 days expires
    latest = xero.api_client.refresh_oauth2_token()["refresh_token"]
    emu.advance_clock(61 * 86400)
    stale = XeroClient(emu, dict(xero.token, refresh_token=latest))
    with pytest.raises(HTTPStatusException):
        stale.api_client.refresh_oauth2_token()


def test_access_token_expiry_gives_401(emu):
    xero = make_client(emu)
    emu.advance_clock(1801)
    with pytest.raises(HTTPStatusException) as err:
        xero.accounting.get_contacts(DEMO.tenant_id)
    body = json.loads(err.value.body)
    assert err.value.status == 401 and body["Title"] == "Unauthorized" and body["Detail"].startswith("TokenExpired")
    assert "invalid_token" in err.value.headers["WWW-Authenticate"]
    xero.api_client.refresh_oauth2_token()
    assert xero.accounting.get_contacts(DEMO.tenant_id).contacts


def test_revocation(emu):
    xero = make_client(emu)
    xero.api_client.revoke_oauth2_token()
    other = make_client(emu)  # a fresh grant reconnects the app
    assert other.identity.get_connections()
    old = XeroClient(
        emu,
        {
            "access_token": other.token["access_token"],
            "expires_in": 1800,
            "token_type": "Bearer",
            "scope": "accounting.settings",
        },
    )
    assert old.accounting.get_organisations(DEMO.tenant_id)
    revoked = make_client(emu)
    token_before = dict(revoked.token)
    revoked.api_client.revoke_oauth2_token()
    dead = XeroClient(emu, token_before)
    with pytest.raises(HTTPStatusException) as err:
        dead.accounting.get_organisations(DEMO.tenant_id)
    assert err.value.status in (401, 403)
    with pytest.raises(HTTPStatusException):
        dead.api_client.refresh_oauth2_token()


def test_token_response_shape_follows_scopes(emu):
    plain = emu.issue_token(scopes=["accounting.settings"])
    assert "refresh_token" not in plain and "id_token" not in plain and plain["scope"] == "accounting.settings"
    full = emu.issue_token()
    assert full["refresh_token"] and full["id_token"] and full["tenant_ids"] == [DEMO.tenant_id]
    bad = requests.post(
        emu.base_url + "/connect/token",
        data={"grant_type": "password"},
        auth=(DEMO.client_id, DEMO.client_secret),
        timeout=5,
    )
    assert bad.status_code == 400 and bad.json()["error"] == "unsupported_grant_type"
    wrong = requests.post(
        emu.base_url + "/connect/token",
        data={"grant_type": "refresh_token", "refresh_token": "x"},
        auth=(DEMO.client_id, "wrong"),
        timeout=5,
    )
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"


def test_tenant_header_checks(emu, xero):
    for tenant in ("", "00000000-0000-0000-0000-000000000000"):
        with pytest.raises(HTTPStatusException) as err:
            xero.accounting.get_contacts(tenant)
        assert err.value.status == 403
    other = emu.add_organisation("Not Connected Ltd")
    with pytest.raises(HTTPStatusException) as err:
        xero.accounting.get_contacts(other)
    assert err.value.status == 403


@pytest.mark.parametrize(
    "scopes, allowed_write",
    [
        (["accounting.transactions.read", "accounting.contacts"], False),
        (["accounting.transactions"], True),
        (["accounting.invoices"], True),
        (["accounting.payments"], False),
    ],
)
def test_scopes_are_enforced(emu, scopes, allowed_write):
    xero = make_client(emu, scopes=scopes)
    if "accounting.payments" not in scopes:
        assert xero.accounting.get_invoices(DEMO.tenant_id).invoices == []
    if allowed_write:
        assert xero.accounting.create_invoices(DEMO.tenant_id, Invoices(invoices=[invoice()])).invoices
    else:
        with pytest.raises(HTTPStatusException) as err:
            xero.accounting.create_invoices(DEMO.tenant_id, Invoices(invoices=[invoice()]))
        assert err.value.status == 401 and "insufficient_scope" in err.value.headers["WWW-Authenticate"]
    if "accounting.contacts" not in scopes:
        with pytest.raises(HTTPStatusException):
            xero.accounting.get_contacts(DEMO.tenant_id)
