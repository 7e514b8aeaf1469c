import io
import struct
import zlib

import pytest
from PIL import Image

from common.errors import BadUserInput
from common.images import check_image


def _png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height)).save(buffer, "PNG")
    return buffer.getvalue()


def _claiming(png: bytes, width: int, height: int) -> bytes:
    """The same PNG with an IHDR header claiming other dimensions (and a valid CRC)."""
    start = 8  # after the signature: length (4), "IHDR" (4), data (13), crc (4)
    data = struct.pack(">II", width, height) + png[start + 16 : start + 21]
    crc = struct.pack(">I", zlib.crc32(b"IHDR" + data))
    return png[: start + 8] + data + crc + png[start + 25 :]


def test_a_real_small_png_is_accepted() -> None:
    checked = check_image(_png(4, 3), max_bytes=10_000, field="file")
    assert (checked.content_type, checked.width, checked.height) == ("image/png", 4, 3)


@pytest.mark.parametrize(("width", "height"), [(100_000, 100_000), (10_000, 5_000)])
def test_headers_claiming_huge_dimensions_are_bad_user_input(width: int, height: int) -> None:
    with pytest.raises(BadUserInput) as refused:
        check_image(_claiming(_png(4, 3), width, height), max_bytes=10_000, field="file")
    assert refused.value.field == "file"
    assert "pixels" in refused.value.message
