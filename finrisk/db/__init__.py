"""Warehouse access: engines, the embedded server, migrations, SQL files and COPY."""
