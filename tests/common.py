"""Shared fixtures: the local Xero emulator over real HTTP, connected companies.

The emulator is started once per test process, in-process on a free port,
and reset before every test class (and by tests that need a clean slate).
"""

import os
import sys

from odoo.tests import TransactionCase

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

_REPO = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
if _REPO not in sys.path:
    sys.path.insert(0, _REPO)

from xero_emulator import DEMO, Emulator  # noqa: E402
from xero_emulator.spec import has_spec, spec_dir  # noqa: E402

from ..services.governor import GOVERNOR  # noqa: E402

_EMULATOR = None
_VALIDATING = None


class _TestEmulator(Emulator):
    """The emulator, whose reset also clears this process's rate governor:
    a fresh Xero has fresh limits, so tests do not wait on earlier tests' calls."""

    def reset(self, *args, **kwargs):
        result = super().reset(*args, **kwargs)
        GOVERNOR.reset()
        return result


def get_emulator(validate=False):
    """The emulator of this test process (started on first use); with
    ``validate``, a second one that checks every request and response
    against Xero's OpenAPI spec (:meth:`XeroMixin.assertSpecRespected`).
    Without the spec, a validating emulator is an error with one message,
    never a skip."""
    global _EMULATOR, _VALIDATING
    if validate:
        if not has_spec(spec_dir()):
            raise AssertionError(
                f"Xero's OpenAPI spec is not in {spec_dir()}: these tests check every request and response "
                "against it. Provide it as the README says (Prerequisites: XERO_OPENAPI_DIR, "
                "../shared/xero-openapi, or the download of make test), then run them again.")
        if _VALIDATING is None:
            _VALIDATING = _TestEmulator(host="127.0.0.1", port=0, demo=True, validate=True)
            _VALIDATING.start()
        return _VALIDATING
    if _EMULATOR is None:
        _EMULATOR = _TestEmulator(host="127.0.0.1", port=0, demo=True)
        _EMULATOR.start()
    return _EMULATOR


class XeroMixin:
    """Helpers to connect companies to the emulator without the OAuth dance."""

    @classmethod
    def xero_connect(cls, company, tenant_id=None, **values):
        """A connected ``xero.connection`` for ``company`` on ``tenant_id``."""
        emu = getattr(cls, "emulator", None) or get_emulator()
        tenant_id = tenant_id or DEMO.tenant_id
        token = emu.issue_token(client_id=DEMO.client_id, tenant_ids=[tenant_id])
        vals = {
            "company_id": company.id,
            "api_url": emu.base_url,
            "identity_url": emu.base_url,
            "login_url": emu.base_url,
            "client_id": DEMO.client_id,
            "client_secret": DEMO.client_secret,
            "tenant_id": tenant_id,
            "tenant_name": DEMO.tenant_name if tenant_id == DEMO.tenant_id else tenant_id,
            "state": "connected",
        }
        vals.update(values)
        conn = cls.env["xero.connection"].sudo().create(vals)
        conn._xero_store_token(token)
        return conn

    def assertSpecRespected(self):
        """Every request and response the (validating) emulator saw so far
        matches Xero's OpenAPI spec; the violations are forgotten."""
        violations = self.emulator.spec_violations()
        self.emulator.clear_spec_violations()
        self.assertFalse(violations, "requests or responses that Xero's spec does not allow:\n" + "\n".join(
            f"{v['operation']} {v['part']}: {v['error']}" for v in violations[:10]))


class XeroTransactionCase(XeroMixin, TransactionCase):
    """Plain transaction case with the emulator reset for the class."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.emulator = get_emulator()
        cls.emulator.reset()


class XeroAccountingCase(XeroMixin, AccountTestInvoicingCommon):
    """Accounting fixtures (chart of accounts, partners, taxes) + emulator,
    with the main company connected to the demo organisation."""

    #: talk to the emulator that validates every body against Xero's spec
    validate_spec = False

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.emulator = get_emulator(validate=cls.validate_spec)
        cls.emulator.reset()
        cls.connection = cls.xero_connect(cls.env.company)
