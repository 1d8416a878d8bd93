"""The demo company (``make run``, the demo tour, the screenshots): see :mod:`.seed`."""
