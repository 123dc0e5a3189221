"""The model service: a FastAPI application that serves the trained model (see README.md)."""
