"""The DVC stages, one module each: prepare, train, convert, evaluate."""
