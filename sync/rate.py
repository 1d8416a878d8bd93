"""Which rate governor a connection's client uses.

A running Odoo shares Xero's limits between all the processes of its
database (:class:`~..services.shared_governor.SharedGovernor`, one per
database and process, its short transactions on cursors of their own).
Odoo's tests keep the process-local governor: their transaction is never
committed, and each test resets the emulator's limits with it.
"""

from contextlib import contextmanager

from ..services.governor import GOVERNOR
from ..services.shared_governor import APP_MINUTE_LIMIT, SharedGovernor
from .run import testing

#: system parameter: the app-wide calls a minute of this app's Xero tier
APP_LIMIT_PARAM = "account_xero.app_calls_per_minute"

_SHARED = {}


def app_limit(env):
    """Calls a minute the app may make across all organisations (10,000,
    Xero's limit, unless the system parameter says less)."""
    value = env["ir.config_parameter"].sudo().get_param(APP_LIMIT_PARAM)
    try:
        return max(1, int(value)) if value else APP_MINUTE_LIMIT
    except ValueError:
        return APP_MINUTE_LIMIT


def read_committed(registry):
    """The governor's cursors: a cursor of its own whose transaction is READ COMMITTED.

    Odoo's cursors are REPEATABLE READ: the snapshot of a decision would be
    taken before its advisory lock is granted (missing the calls the
    process that held it just committed), and two processes recording
    Xero's answer for the same app at once would meet "could not serialize
    access due to concurrent update" — an error in the middle of a run. In
    READ COMMITTED each statement sees what was committed before it, and
    the upserts wait for each other instead of failing."""

    @contextmanager
    def cursor():
        with registry.cursor() as cr:
            cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
            yield cr

    return cursor


def governor_of(env):
    """The governor of ``env``'s database (see the module doc)."""
    if testing():
        return GOVERNOR
    registry = env.registry
    governor = _SHARED.get(registry.db_name)
    if governor is None:
        governor = _SHARED[registry.db_name] = SharedGovernor(read_committed(registry))
    governor.app_limit = app_limit(env)
    return governor
