"""Training a model: read and split → fit a recipe → evaluate → log, register and gate (`train.train_model`)."""
