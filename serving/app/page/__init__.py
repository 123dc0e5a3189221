"""The model card at `/`: HTML rendered from the bundle, its JSON summary, and the try-it form's static files."""
