"""The sync layer: runs, the outbox, exporters and importers (plain Python
driven by the models' entry points and the scheduled actions)."""
