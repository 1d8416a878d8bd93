"""The adapter layer: the only code that names Xero's endpoints.

:class:`~.accounting.AccountingAdapter` and :class:`~.identity.IdentityAdapter`
turn what the addon wants ("the invoices numbered …", "send these elements")
into calls of the :class:`~..client.XeroClient` (xero-python underneath) and
Xero's answers into plain data (lists of dicts, :class:`~.query.Page`).
"""

from .accounting import OPERATIONS, AccountingAdapter, Operation
from .identity import IdentityAdapter
from .query import MAX_PAGE, Page, any_equal, any_guid, quote

__all__ = ["MAX_PAGE", "OPERATIONS", "AccountingAdapter", "IdentityAdapter", "Operation", "Page", "any_equal",
           "any_guid", "quote"]
