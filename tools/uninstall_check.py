"""Uninstall account_xero from a test database, check its traces are gone,
then install it again. Run by tools/test.sh after the test suite.

argv: odoo_bin addons_path db_host db_port db_user db_name data_dir
"""

import subprocess
import sys

SCRIPT_UNINSTALL = """
mod = env['ir.module.module'].search([('name', '=', 'account_xero')])
assert mod.state == 'installed', mod.state
mod.button_immediate_uninstall()
env.cr.commit()
"""

SCRIPT_CHECK_GONE = """
mod = env['ir.module.module'].search([('name', '=', 'account_xero')])
assert mod.state == 'uninstalled', mod.state
assert 'xero.connection' not in env, 'model still registered'
env.cr.execute("SELECT count(*) FROM ir_model WHERE model LIKE 'xero.%%'")
assert env.cr.fetchone()[0] == 0, 'ir_model rows left'
env.cr.execute("SELECT count(*) FROM information_schema.columns WHERE column_name LIKE 'xero%%' "
               "AND table_name IN ('res_partner', 'account_move', 'account_account')")
assert env.cr.fetchone()[0] == 0, 'xero columns left'
print('UNINSTALL_OK')
"""

SCRIPT_CHECK_BACK = """
mod = env['ir.module.module'].search([('name', '=', 'account_xero')])
assert mod.state == 'installed', mod.state
assert env.ref('account_xero.group_xero_manager')
assert env['xero.connection'].search_count([]) == 0
print('REINSTALL_OK')
"""


def odoo(args, base, script=None):
    cmd = [sys.executable, base[0], *args, f"--addons-path={base[1]}", f"--db_host={base[2]}",
           f"--db_port={base[3]}", f"--db_user={base[4]}", "-d", base[5], f"--data-dir={base[6]}",
           "--no-http", "--log-level=warn"]
    result = subprocess.run(cmd, check=False, input=script, text=True, capture_output=True, timeout=900)
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    if result.returncode != 0:
        raise SystemExit(f"odoo {' '.join(args)} exited {result.returncode}")
    return result.stdout


def main():
    base = sys.argv[1:8]
    odoo(["shell"], base, SCRIPT_UNINSTALL)
    if "UNINSTALL_OK" not in odoo(["shell"], base, SCRIPT_CHECK_GONE):
        raise SystemExit("uninstall left traces")
    odoo(["-i", "account_xero", "--stop-after-init"], base)
    if "REINSTALL_OK" not in odoo(["shell"], base, SCRIPT_CHECK_BACK):
        raise SystemExit("reinstall failed")
    print("uninstall and reinstall: OK")


if __name__ == "__main__":
    main()
