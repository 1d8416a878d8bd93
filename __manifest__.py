# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Xero Accounting Integration",
    "summary": "Connect Odoo Accounting to Xero: master data, invoices, bills, "
    "credit notes, attachments, payments and reconciliation.",
    "version": "18.0.1.0.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/account-xero/account_xero",
    "author": "account_xero developers",
    "license": "LGPL-3",
    "depends": ["account", "mail"],
    "external_dependencies": {"python": ["xero_python"]},
    "data": [
        "security/xero_security.xml",
        "security/ir.model.access.csv",
        "views/xero_connection_views.xml",
        "views/xero_sync_views.xml",
        "views/xero_queue_views.xml",
        "views/res_partner_views.xml",
        "views/account_move_views.xml",
        "views/account_account_views.xml",
        "views/menus.xml",
    ],
    "installable": True,
    "application": False,
}
