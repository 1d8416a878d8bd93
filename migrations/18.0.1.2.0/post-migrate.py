"""18.0.1.2.0: a file is bound to Xero per file *and* document.

Until 18.0.1.1.0 an ``ir.attachment`` held one Xero AttachmentID
(``xero_attachment_id``), so a file could go to one Xero document only.
Each such value becomes an ``xero.attachment.binding`` of the file, the
invoice or bill it is attached to, and that company's connection; then the
old column is dropped. Files of a company without a connection (nothing
can have sent them) are left out.
"""


def migrate(cr, version):
    cr.execute("SELECT 1 FROM information_schema.columns "
               "WHERE table_name = 'ir_attachment' AND column_name = 'xero_attachment_id'")
    if not cr.fetchone():
        return
    cr.execute("""
        INSERT INTO xero_attachment_binding
               (connection_id, company_id, attachment_id, res_model, res_id, xero_attachment_id,
                create_uid, write_uid, create_date, write_date)
        SELECT c.id, c.company_id, a.id, a.res_model, a.res_id, a.xero_attachment_id,
               1, 1, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
          FROM ir_attachment a
          JOIN account_move m ON a.res_model = 'account.move' AND m.id = a.res_id
          JOIN xero_connection c ON c.company_id = m.company_id
         WHERE a.xero_attachment_id IS NOT NULL
        ON CONFLICT DO NOTHING""")
    cr.execute("ALTER TABLE ir_attachment DROP COLUMN xero_attachment_id")
