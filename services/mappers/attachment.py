"""Odoo attachments → files on a Xero invoice, bill or credit note.

Xero takes at most 10 files per document, 10 MB each, of its own list of
file types. :func:`plan` decides, for the attachments of one document, which
are sent under which file name and which are skipped and why; it reads
``ir.attachment`` records and writes nothing.
"""

import os

MAX_FILES = 10
MAX_BYTES = 10 * 1024 * 1024
#: the file types Xero accepts as attachments
ALLOWED_EXTENSIONS = frozenset({
    "bmp", "csv", "doc", "docx", "eml", "gif", "heic", "jpeg", "jpg", "key", "keynote", "msg",
    "numbers", "odp", "ods", "odt", "pages", "pdf", "png", "ppt", "pptx", "rtf", "tif", "tiff",
    "txt", "webp", "xls", "xlsx", "xml", "zip",
})


def extension(name):
    return os.path.splitext(name or "")[1].lstrip(".").lower()


def file_names(attachments):
    """``{attachment.id: unique file name}`` for the attachments of one document.

    Xero keeps one file per name (a second upload with the same name replaces
    the first), so equal names get " (2)", " (3)"... in attachment order;
    the same attachment always gets the same name, which makes a resend
    after a crash replace the file instead of adding it twice."""
    names = {}
    used = set()
    for att in attachments.sorted("id"):
        base, ext = os.path.splitext((att.name or "attachment").replace("/", "-").strip() or "attachment")
        candidate = base + ext
        counter = 1
        while candidate.lower() in used:
            counter += 1
            candidate = f"{base} ({counter}){ext}"
        used.add(candidate.lower())
        names[att.id] = candidate
    return names


def plan(attachments, sent_ids, env):
    """``(to_send, skipped)`` for one document's attachments.

    ``sent_ids`` are the ids already in Xero (they use up slots of the 10).
    ``to_send`` is a list of ``(attachment, file name)``, ``skipped`` a list of
    ``(attachment, reason)``."""
    names = file_names(attachments)
    slots = MAX_FILES - len(sent_ids)
    to_send, skipped = [], []
    for att in attachments.sorted("id"):
        if att.id in sent_ids:
            continue
        ext = extension(names[att.id])
        if ext not in ALLOWED_EXTENSIONS:
            skipped.append((att, env._(
                "%(file)s: Xero does not accept .%(ext)s files.", file=att.name, ext=ext or "?")))
        elif (att.file_size or 0) > MAX_BYTES:
            skipped.append((att, env._(
                "%(file)s: %(size)s MB is more than the 10 MB Xero accepts.",
                file=att.name, size=round((att.file_size or 0) / 1024 / 1024, 1))))
        elif not att.file_size:
            skipped.append((att, env._("%(file)s is empty.", file=att.name)))
        elif slots <= 0:
            skipped.append((att, env._(
                "%(file)s: the document already has the 10 files Xero allows.", file=att.name)))
        else:
            slots -= 1
            to_send.append((att, names[att.id]))
    return to_send, skipped
