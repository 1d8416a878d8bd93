from . import xero_setup_wizard
from . import xero_connect_wizard
from . import xero_connect_wizard_line
from . import xero_reconciliation
from . import xero_reconciliation_line
from . import xero_link_contact
from . import xero_dry_run
from . import xero_dry_run_line
