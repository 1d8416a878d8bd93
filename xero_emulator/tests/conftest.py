"""Fixtures for the emulator's test suite: one validating Emulator per session, reset per
test, and xero-python clients pointed at it."""

from __future__ import annotations

import time

import pytest
from xero_python.accounting import AccountingApi
from xero_python.api_client import ApiClient, Configuration
from xero_python.api_client.oauth2 import OAuth2Token, TokenApi
from xero_python.identity import IdentityApi

from xero_emulator import DEMO, Emulator
from xero_emulator.spec import DOCS, has_spec, spec_dir


def pytest_sessionstart(session):
    """Every test validates against Xero's OpenAPI spec: without it, one message, no test run."""
    if not has_spec(spec_dir()):
        raise pytest.UsageError(
            f"Xero's OpenAPI spec ({', '.join(DOCS.values())}) is not in {spec_dir()}: "
            "run 'make test-emulator' (it finds or downloads it, or says how to provide it), "
            "or set XERO_OPENAPI_DIR"
        )


# pytest-odoo (installed in Odoo's virtualenv) adds session fixtures that open an Odoo
# database; the emulator's tests need none of that, so neutralise them here.
@pytest.fixture(scope="session", autouse=True)
def load_registry():
    """Override pytest-odoo's registry loading (no database here)."""
    yield


@pytest.fixture(scope="session", autouse=True)
def load_http(load_registry):
    """Override pytest-odoo's HTTP server start."""
    yield


@pytest.fixture(scope="module", autouse=True)
def enable_odoo_test_flag():
    """Override pytest-odoo's test flag fixture."""
    yield


class XeroClient:
    """xero-python wired to the emulator: ``accounting``, ``identity`` and the token store."""

    def __init__(
        self,
        emu: Emulator,
        token: dict,
        client_id: str = DEMO.client_id,
        client_secret: str = DEMO.client_secret,
        urllib3_retries: bool = False,
    ):
        self.emu = emu
        self.tenant_ids = token.get("tenant_ids", [DEMO.tenant_id])
        self.tenant_id = self.tenant_ids[0] if self.tenant_ids else DEMO.tenant_id
        self.token = sdk_token(token)
        config = Configuration(oauth2_token=OAuth2Token(client_id=client_id, client_secret=client_secret))
        self.api_client = ApiClient(config, oauth2_token_getter=lambda: self.token, oauth2_token_saver=self._save)
        if not urllib3_retries:
            # urllib3's default Retry(3) silently re-sends GET/PUT/DELETE after a dropped
            # connection and sleeps Retry-After on 429/503: the tests want to see each answer.
            self.api_client.rest_client.pool_manager.connection_pool_kw["retries"] = False
        self.accounting = AccountingApi(self.api_client, base_url=emu.base_url + "/api.xro/2.0")
        self.identity = IdentityApi(self.api_client, base_url=emu.base_url)

    def _save(self, token: dict) -> None:
        self.token = dict(token)

    def headers(self) -> dict:
        """Headers of the last response (urllib3 HTTPHeaderDict, case-insensitive)."""
        return self.api_client.last_response.getheaders()


def sdk_token(token: dict) -> dict:
    """A token response reshaped for OAuth2Token.update_token (scope as list, expires_at)."""
    out = {
        k: v
        for k, v in token.items()
        if k in ("access_token", "refresh_token", "expires_in", "token_type", "id_token", "expires_at")
    }
    scope = token.get("scope")
    out["scope"] = scope.split() if isinstance(scope, str) else list(scope or [])
    out.setdefault("expires_at", time.time() + float(token.get("expires_in", 1800)))
    return out


@pytest.fixture(scope="session")
def emu():
    """One emulator for the whole session, validating every body against the spec."""
    emulator = Emulator(host="127.0.0.1", port=0, validate=True).start()
    TokenApi.refresh_token_url = emulator.base_url + "/connect/token"
    TokenApi.revoke_token_url = emulator.base_url + "/connect/revocation"
    yield emulator
    emulator.stop()


@pytest.fixture(autouse=True)
def fresh(request, emu):
    """Reset the emulator before each test and require zero spec violations after it."""
    emu.reset(demo=True)
    emu.validate = True
    emu.webhooks.retry_delays = (0.05, 0.1, 0.2)
    yield
    emu.webhooks.flush(5)
    violations = emu.spec_violations()
    assert violations == [], f"OpenAPI spec violations: {violations[:5]}"


@pytest.fixture
def xero(emu) -> XeroClient:
    """A client with a full-scope token for the demo organisation."""
    return XeroClient(emu, emu.issue_token())


@pytest.fixture
def tenant() -> str:
    """The demo tenant id."""
    return DEMO.tenant_id


def make_client(emu, **kwargs) -> XeroClient:
    """A client for a token issued with custom tenants/scopes."""
    return XeroClient(emu, emu.issue_token(**kwargs))
