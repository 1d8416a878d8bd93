"""Which rate governor a connection's client uses.

A running Odoo shares Xero's limits between all the processes of its
database (:class:`~..services.shared_governor.SharedGovernor`, one per
database and process, its short transactions on cursors of their own).
Odoo's tests keep the process-local governor: their transaction is never
committed, and each test resets the emulator's limits with it.
"""

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


def governor_of(env):
    """The governor of ``env``'s database (see the module doc)."""
    if testing():
        return GOVERNOR
    registry = env.registry
    governor = _SHARED.get(registry.db_name)
    if governor is None:
        governor = _SHARED[registry.db_name] = SharedGovernor(registry.cursor)
    governor.app_limit = app_limit(env)
    return governor
