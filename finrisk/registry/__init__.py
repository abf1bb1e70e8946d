"""MLflow tracking and registry: aliases, loading scorers, the promotion gate and its audit."""
