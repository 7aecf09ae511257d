"""The pipeline: files → load → validate → store → derive → reason (``build`` runs them)."""
