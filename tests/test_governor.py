"""The rate governor against the emulator's real minute limit, on the
emulator's clock: time passes only when the governor sleeps or a test says
work was done, so minutes of pacing take no time."""

from odoo.tests import tagged

from odoo.addons.account_xero.services.client import StaticTokens, XeroClient, XeroConfig
from odoo.addons.account_xero.services.governor import MARGIN, WINDOW, RateGovernor

from .common import DEMO, XeroTransactionCase

MINUTE_LIMIT = 10
WORK_SECONDS = 3.0  # Odoo's work between two calls (mapping, writing the answers)


@tagged("post_install", "-at_install")
class TestGovernor(XeroTransactionCase):

    def setUp(self):
        super().setUp()
        self.emulator.reset()
        self.emulator.set_limits(minute=MINUTE_LIMIT)
        self.clock = self.emulator.store.clock
        self.governor = RateGovernor(minute_limit=MINUTE_LIMIT, clock=self.clock.now,
                                     sleep=self.emulator.advance_clock)
        token = self.emulator.issue_token(client_id=DEMO.client_id, tenant_ids=[DEMO.tenant_id])["access_token"]
        self.config = XeroConfig(
            client_id=DEMO.client_id, client_secret=DEMO.client_secret, tenant_id=DEMO.tenant_id,
            api_url=self.emulator.base_url, identity_url=self.emulator.base_url, login_url=self.emulator.base_url)
        self.tokens = StaticTokens(token)
        self.client = XeroClient(self.config, self.tokens, governor=self.governor)

    def test_paced_calls_resume_as_the_window_frees_not_a_minute_after_it_filled(self):
        """Calls spaced by 3 s of work fill the minute after 27 s, and Xero
        answers "0 left". The 11th call goes when our *first* call leaves the
        window (61 s), the 12th when the second leaves, and so on: ten calls
        per window, 30 calls in about 152 s, never over the limit, no 429.
        Waiting a whole minute from each "0 left" answer instead takes 204 s."""
        started = self.clock.now()
        for _i in range(30):
            self.client.accounting("get_organisations")
            self.emulator.advance_clock(WORK_SECONDS)
        elapsed = self.clock.now() - started
        counters = self.emulator.counters()[DEMO.tenant_id]
        self.assertEqual(counters["rate_limited"], {}, counters)
        self.assertLessEqual(counters["max_calls_per_minute"], MINUTE_LIMIT)
        self.assertGreater(self.governor.waited, 0, "the minute limit did bite")
        # three windows of ten calls: two waits of a window, then the last call's work
        expected = 2 * (WINDOW + MARGIN) + MINUTE_LIMIT * WORK_SECONDS
        self.assertLess(elapsed, expected + WORK_SECONDS, f"{elapsed:.0f} s for 30 calls")

    def test_minute_spent_by_another_process_waits_for_xero(self):
        """Another worker spent 9 of the 10 calls; this process's one call is
        answered "0 left": its next call waits for Xero's window to pass
        instead of collecting a 429."""
        other = XeroClient(self.config, self.tokens, governor=RateGovernor(
            minute_limit=MINUTE_LIMIT, clock=self.clock.now, sleep=self.emulator.advance_clock))
        for _i in range(MINUTE_LIMIT - 1):
            other.accounting("get_organisations")
        self.client.accounting("get_organisations")
        started = self.clock.now()
        self.client.accounting("get_organisations")
        self.assertGreaterEqual(self.clock.now() - started, WINDOW - 1, "waited for Xero's minute")
        self.assertEqual(self.emulator.counters()[DEMO.tenant_id]["rate_limited"], {})
