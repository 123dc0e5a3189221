"""The HTTP layer: parse, delegate to the predictor, return."""
