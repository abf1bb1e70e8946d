"""Nightly scoring: champion models score customers, transactions and news, published atomically to risk.*."""
