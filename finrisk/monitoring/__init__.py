"""Scoring monitoring: run records, PSI drift against the training population, challenger agreement."""
