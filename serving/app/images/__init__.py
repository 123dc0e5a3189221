"""Pictures in, pixels out: decoding untrusted image bytes (decode.py) and turning a picture into the
pixels a model with an image input was trained on (preprocess.py). Pillow and numpy only: training's
tests and the service import the same functions."""
