"""Checks for uploaded images: real image content of an allowed type, within a size limit."""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from common.errors import BadUserInput

ALLOWED_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
MAX_PIXELS = 40_000_000


@dataclass(frozen=True, slots=True)
class CheckedImage:
    content_type: str
    extension: str
    width: int
    height: int


def check_image(data: bytes, *, max_bytes: int, field: str) -> CheckedImage:
    """Identify the image from its bytes (never from the client's filename or content type)."""
    if not data:
        raise BadUserInput("The file is empty.", field=field)
    if len(data) > max_bytes:
        raise BadUserInput(
            f"The file is larger than {max_bytes // 1024} KiB.", field=field, maxBytes=max_bytes
        )
    try:
        with Image.open(io.BytesIO(data)) as image:
            image_format = image.format or ""
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise BadUserInput("The image has too many pixels.", field=field)
            image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # The header claims more pixels than Pillow will decode (a decompression bomb).
        raise BadUserInput("The image has too many pixels.", field=field) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise BadUserInput("The file is not a JPEG, PNG or WebP image.", field=field) from exc
    content_type = ALLOWED_FORMATS.get(image_format)
    if content_type is None:
        raise BadUserInput("Only JPEG, PNG and WebP images are accepted.", field=field)
    return CheckedImage(content_type, EXTENSIONS[content_type], width, height)
