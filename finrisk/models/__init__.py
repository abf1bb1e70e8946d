"""The three BERT models: specs, one training loop, one prediction loop, evaluation."""
