"""Point-in-time records: what each model reads, built the same way for training and scoring."""
