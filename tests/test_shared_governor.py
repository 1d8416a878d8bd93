"""The rate governor shared through PostgreSQL, as two processes would use it:
two governors, each with its own memory, sharing only the database, against
the emulator's real limits and on its clock (time passes only when a
governor sleeps, so minutes of pacing take no time).

Here both "processes" write in the test's transaction (never committed);
in a running Odoo each decision is a short transaction of its own.
"""

from contextlib import contextmanager

from odoo.tests import tagged

from odoo.addons.account_xero.services.client import StaticTokens, XeroClient, XeroConfig
from odoo.addons.account_xero.services.governor import MARGIN, WINDOW, RateGovernor
from odoo.addons.account_xero.services.shared_governor import POLL, SharedGovernor

from .common import DEMO, XeroTransactionCase

MINUTE_LIMIT = 10


@tagged("post_install", "-at_install")
class TestSharedGovernor(XeroTransactionCase):

    def setUp(self):
        super().setUp()
        self.emulator.reset()
        self.emulator.set_limits(minute=MINUTE_LIMIT)
        self.clock = self.emulator.store.clock
        self.addCleanup(self.emulator.set_limits, minute=60, app_minute=10000)

    @contextmanager
    def cursor(self):
        yield self.env.cr

    def governor(self, **kwargs):
        """A "process": its own governor object, nothing shared but the database."""
        kwargs.setdefault("minute_limit", MINUTE_LIMIT)
        return SharedGovernor(self.cursor, clock=self.clock.now, sleep=self.emulator.advance_clock, **kwargs)

    def client(self, governor, tenant_id=DEMO.tenant_id):
        token = self.emulator.issue_token(client_id=DEMO.client_id, tenant_ids=[tenant_id])["access_token"]
        config = XeroConfig(
            client_id=DEMO.client_id, client_secret=DEMO.client_secret, tenant_id=tenant_id,
            api_url=self.emulator.base_url, identity_url=self.emulator.base_url, login_url=self.emulator.base_url)
        return XeroClient(config, StaticTokens(token), governor=governor)

    def test_next_slice_in_another_process_keeps_the_minute(self):
        """Process A spends the minute; the organisation's next call, in
        process B, waits for A's first call to leave the window instead of
        starting a minute of its own (which a process-local governor does,
        and collects a 429)."""
        first = self.client(self.governor())
        for _i in range(MINUTE_LIMIT):
            first.accounting("get_organisations")
        second_governor = self.governor()
        second = self.client(second_governor)
        started = self.clock.now()
        second.accounting("get_organisations")
        self.assertGreaterEqual(self.clock.now() - started, WINDOW, "waited for the window A filled")
        self.assertLessEqual(self.clock.now() - started, WINDOW + MARGIN + 1)
        counters = self.emulator.counters()[DEMO.tenant_id]
        self.assertEqual(counters["rate_limited"], {}, counters)
        self.assertLessEqual(counters["max_calls_per_minute"], MINUTE_LIMIT)
        # the same with process-local governors: B knows nothing of A's calls
        self.emulator.reset()
        self.emulator.set_limits(minute=MINUTE_LIMIT)
        local_a = self.client(RateGovernor(minute_limit=MINUTE_LIMIT, clock=self.clock.now,
                                           sleep=self.emulator.advance_clock))
        for _i in range(MINUTE_LIMIT):
            local_a.accounting("get_organisations")
        local_b = self.client(RateGovernor(minute_limit=MINUTE_LIMIT, clock=self.clock.now,
                                           sleep=self.emulator.advance_clock))
        local_b.accounting("get_organisations")
        self.assertEqual(self.emulator.counters()[DEMO.tenant_id]["rate_limited"], {"minute": 1},
                         "a process-local governor starts the minute over and meets Xero's 429")

    def test_five_in_flight_across_processes(self):
        """Five calls in flight in process A: B's call waits until one of them is answered."""
        a, b = self.governor(), self.governor()
        slots = [a.acquire(DEMO.tenant_id, DEMO.client_id) for _i in range(5)]
        polls = []

        def sleep(seconds):
            polls.append(seconds)
            a.release(slots.pop(), {})

        b.sleep = sleep
        b.acquire(DEMO.tenant_id, DEMO.client_id)
        self.assertEqual(polls, [POLL], "B waited for one place, once")

    def test_slow_answer_keeps_its_place_longer(self):
        """Xero counts a call when it arrives, before its answer: a call
        answered 5 s after it started keeps its place until a window after
        its answer (less the margin), not after its start."""
        governor = self.governor(minute_limit=1)
        start = self.clock.now()
        slot = governor.acquire(DEMO.tenant_id, DEMO.client_id)
        self.emulator.advance_clock(5)
        governor.release(slot, {})
        governor.acquire(DEMO.tenant_id, DEMO.client_id)
        self.assertGreaterEqual(self.clock.now() - start, 5 - MARGIN + WINDOW + MARGIN)

    def test_app_wide_minute_shared_by_organisations(self):
        """The app-wide limit counts every organisation's calls, in every process."""
        other_tenant = self.emulator.add_organisation("Second Company")
        self.emulator.set_limits(minute=60, app_minute=4)
        a, b = self.governor(app_limit=4), self.governor(app_limit=4)
        a.minute_limit = b.minute_limit = 60
        demo, second = self.client(a), self.client(b, other_tenant)
        for client in (demo, second, demo, second):
            client.accounting("get_organisations")
        started = self.clock.now()
        second.accounting("get_organisations")
        self.assertGreaterEqual(self.clock.now() - started, WINDOW, "the fifth call of the app waited")
        counters = self.emulator.counters()
        self.assertEqual(counters[DEMO.tenant_id]["rate_limited"], {})
        self.assertEqual(counters[other_tenant]["rate_limited"], {})

    def test_minute_spent_elsewhere_frees_as_xero_says(self):
        """Calls another app instance made (not in our table) are known from
        Xero's X-MinLimit-Remaining: the next call waits for Xero's window."""
        outsider = self.client(RateGovernor(minute_limit=MINUTE_LIMIT, clock=self.clock.now,
                                            sleep=self.emulator.advance_clock))
        for _i in range(MINUTE_LIMIT - 1):
            outsider.accounting("get_organisations")
        ours = self.client(self.governor())
        ours.accounting("get_organisations")  # Xero answers "0 left"
        started = self.clock.now()
        ours.accounting("get_organisations")
        self.assertGreaterEqual(self.clock.now() - started, WINDOW - 1, "waited for Xero's minute")
        self.assertEqual(self.emulator.counters()[DEMO.tenant_id]["rate_limited"], {})

    def test_two_processes_recording_answers_at_once_do_not_collide(self):
        """Real cursors, committed, as two worker processes use them: while
        process A records Xero's answer, process B records its own for the
        same app and commits first. A's transaction began before B's commit;
        it still records its answer (READ COMMITTED waits for B's row
        instead of failing on it: "could not serialize access due to
        concurrent update" stopped a queued job mid-run) and the state is
        what A, the later answer, said."""
        import uuid

        from odoo.addons.account_xero.sync.rate import read_committed

        app, tenant = f"test-app-{uuid.uuid4().hex[:8]}", f"test-tenant-{uuid.uuid4().hex[:8]}"
        keys = (f"a:{app}", f"t:{tenant}")

        def clean():
            with self.registry.cursor() as cr:
                cr.execute("DELETE FROM xero_rate_call WHERE app = %s", (app,))
                cr.execute("DELETE FROM xero_rate_state WHERE key IN %s", (keys,))
        self.addCleanup(clean)
        shared = read_committed(self.registry)
        process_b = SharedGovernor(shared)
        slot_a, slot_b = SharedGovernor(shared).acquire(tenant, app), process_b.acquire(tenant, app)

        @contextmanager
        def racing():
            with shared() as cr:
                cr.execute("SELECT count(*) FROM xero_rate_state")  # A's transaction is under way
                process_b.release(slot_b, {"X-AppMinLimit-Remaining": "9990"})  # B answers, commits
                yield cr

        SharedGovernor(racing).release(slot_a, {"X-AppMinLimit-Remaining": "9985"})
        with self.registry.cursor() as cr:
            cr.execute("SELECT remaining FROM xero_rate_state WHERE key = %s", (keys[0],))
            self.assertEqual(cr.fetchone()[0], 9985)
            cr.execute("SELECT count(*) FROM xero_rate_call WHERE app = %s AND ended IS NOT NULL", (app,))
            self.assertEqual(cr.fetchone()[0], 2, "both answers recorded")


@tagged("post_install", "-at_install")
class TestWithoutQueueJob(XeroTransactionCase):
    """Without queue_job (this test database), nothing changes: the scheduled
    actions work inline, and Odoo's tests keep the process-local governor.
    With queue_job, tools/jobs_check.py (make test) runs the jobs in real workers."""

    def test_scheduled_actions_work_inline(self):
        from odoo.addons.account_xero.services.governor import GOVERNOR
        from odoo.addons.account_xero.sync import jobs, rate

        self.assertFalse(jobs.available(self.env))
        self.assertIs(rate.governor_of(self.env), GOVERNOR)
        self.env["ir.config_parameter"].sudo().set_param(rate.APP_LIMIT_PARAM, "150")
        self.assertEqual(rate.app_limit(self.env), 150)
        self.env["ir.config_parameter"].sudo().set_param(rate.APP_LIMIT_PARAM, "nonsense")
        self.assertEqual(rate.app_limit(self.env), 10_000)
