"""CLI command groups, one module per area: demo, data (ingest, validate), modeling, scoring."""
