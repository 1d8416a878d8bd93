"""A local emulator of Xero's OAuth2, identity and Accounting APIs (standard library only).

>>> from xero_emulator import Emulator, DEMO
>>> emu = Emulator(port=0).start()
>>> emu.base_url  # doctest: +SKIP
'http://127.0.0.1:53211'
"""

from .demo import DEMO
from .emulator import Emulator

__all__ = ["DEMO", "Emulator"]
