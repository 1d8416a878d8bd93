"""Tools of the authority tests (``test_authority``, ``test_rpc_sweep``):
users holding exactly the groups of one role, the methods RPC can reach,
a fingerprint of everything Xero-related in the database, and a watch on
every request that reaches the emulator.

They judge the code by what it does, not by its shape: which methods
exist is read from the registry, what changed is read from the tables, and
what reached Xero is read from the emulator.
"""

import inspect

import psycopg2

from odoo import Command, api
from odoo.exceptions import AccessError, UserError
from odoo.service.model import get_public_method
from odoo.tests import new_test_user
from odoo.tools import SQL

#: the groups of each role, exactly (``new_test_user`` adds nothing else)
ROLE_GROUPS = {
    # Accounting ▸ Administrator (implies Xero: Administrator), without Settings
    "manager": "base.group_user,account.group_account_manager",
    # Invoicing (implies Xero: User)
    "invoicing": "base.group_user,account.group_account_invoice",
    # an employee with no accounting right at all
    "internal": "base.group_user",
    "portal": "base.group_portal",
}
#: counted besides the xero.* tables: what imports and payment runs create
COUNTED_MODELS = ("res.partner", "product.product", "account.payment", "account.move")
ADDON_MODULE = "odoo.addons.account_xero."
#: the errors that refuse a call: a permission check (AccessError) or a
#: message to the user (UserError) — not MissingError nor ValidationError,
#: which say a record or a value is wrong, not that the caller may not
REFUSALS = ("AccessError", "AccessDenied", "UserError")


def is_refusal(exc):
    return type(exc).__module__ == "odoo.exceptions" and type(exc).__name__ in REFUSALS


def role_user(env, role, company, login=None):
    """A user of ``company`` with exactly the groups of ``role`` (password = login)."""
    login = login or f"xero_{role}"
    return new_test_user(env, login, groups=ROLE_GROUPS[role], company_id=company.id,
                         company_ids=[Command.set(company.ids)], email=f"{login}@example.com")


# ---------------------------------------------------------------- what RPC reaches
def addon_methods(model):
    """Names of the public functions this addon's code defines on ``model``'s classes."""
    names = set()
    for klass in type(model).__mro__:
        for name, value in vars(klass).items():
            func = getattr(value, "__func__", value)
            if (not name.startswith("_") and inspect.isfunction(func)
                    and (func.__module__ or "").startswith(ADDON_MODULE)):
                names.add(name)
    return names


def rpc_methods(env):
    """``[(model, method)]``: every method defined by this addon's code, on
    every model it defines or extends, that Odoo's RPC dispatcher accepts
    (``get_public_method``: not ``_``-prefixed, not ``@api.private``, nor
    overriding a private method). The one source of truth of the sweep: a
    method added later is swept without anyone listing it."""
    found = []
    for name in sorted(env.registry):
        model = env[name]
        for method in sorted(addon_methods(model)):
            try:
                get_public_method(model, method)
            except (AccessError, AttributeError):
                continue
            found.append((name, method))
    return found


def required_params(model, method):
    """Names of the parameters (after self) a call of ``method`` must give."""
    func = getattr(type(model), method)
    params = list(inspect.signature(func).parameters.values())[1:]
    return [p.name for p in params if p.default is p.empty
            and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


def call_as(env, user, model, method, args, kwargs=None, context=None):
    """Call ``model.method(*args)`` for ``user`` as the JSON-RPC endpoint
    ``/web/dataset/call_kw`` does: private methods refused, records browsed
    with no check, the user's context with their companies. A method that
    no longer exists fails the test with its name (it was renamed: point
    the test at the new name), it is not counted as a refusal."""
    user_env = env(user=user.id, su=False, context={})
    ctx = dict(user_env["res.users"].context_get(), allowed_company_ids=user.company_ids.ids, **(context or {}))
    Model = user_env[model]
    try:
        get_public_method(Model, method)
    except AttributeError as exc:
        raise AssertionError(f"{model}.{method} does not exist any more: point this test at its new name") \
            from exc
    # the context travels in the kwargs, as in a JSON-RPC call (call_kw replaces the records' context)
    return api.call_kw(Model, method, list(args), dict(kwargs or {}, context=ctx))


# ---------------------------------------------------------------- what changed
def xero_fingerprint(env):
    """``{key: value}`` of what a refused call must leave as it was: every
    row of every xero.* table (all columns), the Xero id column of every
    model bound to Xero (``_xero_id_field``) and the row counts of
    :data:`COUNTED_MODELS`."""
    env.flush_all()
    cr = env.cr
    prints = {}
    for name in sorted(env.registry):
        model = env[name]
        if model._abstract or not model._auto or model._table_query:
            continue
        table = SQL.identifier(model._table)
        if name.startswith("xero."):
            cr.execute(SQL("SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t.id), '')) "
                           "FROM %s t", table))
            prints[name] = cr.fetchone()
            continue
        field = getattr(type(model), "_xero_id_field", None)
        if field and field in model._fields and model._fields[field].store:
            column = SQL.identifier(field)
            cr.execute(SQL("SELECT md5(coalesce(string_agg(t.id::text || '=' || t.%s::text, '|' ORDER BY t.id), '')) "
                           "FROM %s t WHERE t.%s IS NOT NULL", column, table, column))
            prints[f"{name}.{field}"] = cr.fetchone()[0]
    for name in COUNTED_MODELS:
        cr.execute(SQL("SELECT count(*) FROM %s", SQL.identifier(env[name]._table)))
        prints[f"{name} count"] = cr.fetchone()[0]
    return prints


def fingerprint_changes(before, after):
    return sorted(key for key in before.keys() | after.keys() if before.get(key) != after.get(key))


class XeroWatch:
    """Every request that reaches the emulator: Accounting, Identity and
    OAuth alike (a token refresh posts the client secret; the emulator's
    own counters count the Accounting API only, so both are read)."""

    def __init__(self, case, emulator):
        self.emulator = emulator
        self.seen = []
        original = emulator.dispatch

        def dispatch(req):
            self.seen.append(f"{req.method} {req.path}")
            return original(req)

        case.patch(emulator, "dispatch", dispatch)

    def _accounting_calls(self):
        return sum(c.get("total_calls", 0) for c in self.emulator.counters().values())

    def mark(self):
        return len(self.seen), self._accounting_calls()

    def since(self, mark):
        """The requests made since ``mark`` (empty: Xero was not called)."""
        count, calls = mark
        new = self.seen[count:]
        extra = self._accounting_calls() - calls
        if extra and len(new) < extra:
            new = [*new, f"{extra} Accounting API call(s) in the emulator's counters"]
        return new


class AuthorityMixin:
    """``assertRefused``: the call is refused (AccessError or UserError), and
    nothing Xero-related changed and nothing reached Xero, whatever it raised."""

    def watch_xero(self):
        self.xero_watch = XeroWatch(self, self.emulator)

    def assertRefused(self, call, what):
        """Run ``call()``; fail unless refused with no effect. Returns the error.

        Nothing is rolled back after a refusal: what the call wrote before
        refusing counts (in production, runs and tokens are committed as
        they go). A crash (any other exception) is no refusal either."""
        before, mark = xero_fingerprint(self.env), self.xero_watch.mark()
        error = crash = None
        self.env.cr.execute("SAVEPOINT authority_call")
        try:
            call()
        except UserError as exc:  # AccessError is a UserError
            if is_refusal(exc):
                error = exc
            else:
                crash = exc
        except psycopg2.Error as exc:  # the transaction must go on
            self.env.cr.execute("ROLLBACK TO SAVEPOINT authority_call")
            crash = exc
        except Exception as exc:  # reported below
            if isinstance(exc, AssertionError) and "does not exist any more" in str(exc):
                raise
            crash = exc
        if not isinstance(crash, psycopg2.Error):
            self.env.cr.execute("RELEASE SAVEPOINT authority_call")
        self.env.invalidate_all()
        changed = fingerprint_changes(before, xero_fingerprint(self.env))
        calls = self.xero_watch.since(mark)
        problems = []
        if crash is not None:
            problems.append(f"was NOT refused: it crashed with {type(crash).__name__}: {crash}")
        elif error is None:
            problems.append("was NOT refused")
        if changed:
            problems.append(f"changed {', '.join(changed)}")
        if calls:
            problems.append(f"called Xero: {', '.join(calls[:5])}")
        if problems:
            self.fail(f"{what}: {'; '.join(problems)}")
        return error
