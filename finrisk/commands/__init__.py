"""CLI command groups, one module per area: data (demo, ingest, validate), modeling, scoring."""
