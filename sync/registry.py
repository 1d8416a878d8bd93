"""The table of exporters: which class sends which queue rows, and in what order.

A run sends contacts before the documents and purchase orders that need
them, documents before their removals, files and payments (which need the
document in Xero), and the history notes of purchase orders after them.
To add a Xero object: write its exporter (see :mod:`.exporter`), add it
here at its place, and queue its rows.
"""

from .exporters.attachment import AttachmentExporter, PurchaseOrderAttachmentExporter
from .exporters.contact import ContactExporter, HistoryExporter
from .exporters.document import DocumentExporter
from .exporters.payment import PaymentExporter
from .exporters.purchase_order import PurchaseOrderExporter, PurchaseOrderHistoryExporter
from .exporters.removal import RemovalExporter

EXPORTERS = (ContactExporter, HistoryExporter, DocumentExporter, PurchaseOrderExporter, RemovalExporter,
             AttachmentExporter, PurchaseOrderAttachmentExporter, PaymentExporter, PurchaseOrderHistoryExporter)


def exporter_for(model, action):
    """The exporter class of queue rows of ``model`` and ``action`` (None when unknown)."""
    return next((cls for cls in EXPORTERS if cls.model == model and action in cls.actions), None)


def rank(model, action):
    """Position of ``(model, action)`` in a run (unknown pairs last)."""
    for index, cls in enumerate(EXPORTERS):
        if cls.model == model and action in cls.actions:
            return index
    return len(EXPORTERS)


def by_name(name):
    return next(cls for cls in EXPORTERS if cls.name == name)
