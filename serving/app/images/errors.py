"""Why a picture cannot be used: each error knows the HTTP status and the type name a client gets."""

from __future__ import annotations


class ImageError(ValueError):
    """A picture that cannot be predicted from. The message is one sentence for the client."""

    status = 422
    kind = "image_invalid"


class UnsupportedImageError(ImageError):
    """Not an image, or not one of the accepted types."""

    status = 415
    kind = "image_unsupported"


class EmptyImageError(ImageError):
    kind = "image_empty"


class CorruptImageError(ImageError):
    """The header names a known format, but the file is truncated or damaged."""

    kind = "image_corrupt"


class TooManyPixelsError(ImageError):
    """More pixels than allowed, found from the header before any pixel is decoded."""

    kind = "image_too_large"


class BlankImageError(ImageError):
    """Nothing drawn: no stroke stands out from the paper."""

    kind = "image_blank"
