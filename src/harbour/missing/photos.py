"""Checking and re-encoding a Philomena profile photo.

An upload is decoded with Pillow whatever its name or declared type says; only JPEG, PNG and WebP are
taken. It is turned the right way up (the camera's orientation tag), made at most ``PHOTO_MAX_SIDE``
pixels a side and saved again as JPEG without any of the original's metadata: a phone photo's EXIF
can hold where it was taken (often the young person's home or placement), the device and the time.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

PHOTO_MAX_BYTES = 10 * 1024 * 1024  # a phone photo is 2 to 6 MB
PHOTO_MAX_SIDE = 1000  # pixels: sharp on a printed A4 page, a few hundred kilobytes stored
PHOTO_MAX_PIXELS = 50_000_000  # refuses "decompression bombs": a small file that decodes to gigabytes
PHOTO_FORMATS = {"JPEG", "PNG", "WEBP"}
JPEG_QUALITY = 85
TOO_LARGE = "The selected photo is too large: take or save it at a smaller size."
DAMAGED = "The selected file could not be read as a photo: it may be damaged."


class UnusablePhotoError(ValueError):
    """Why an upload cannot be used, in words for the person uploading it."""


@dataclass(frozen=True)
class Photo:
    jpeg: bytes
    width: int
    height: int


def photo_from_upload(data: bytes) -> Photo:
    """The photo Harbour keeps for these uploaded bytes, or ``UnusablePhotoError`` saying why not."""
    if not data:
        raise UnusablePhotoError("The selected file is empty.")
    if len(data) > PHOTO_MAX_BYTES:
        raise UnusablePhotoError(f"The selected file must be smaller than {PHOTO_MAX_BYTES // 2**20} MB.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                kind = probe.format
                width, height = probe.size
                probe.verify()
            if kind not in PHOTO_FORMATS:
                raise UnusablePhotoError("The selected file must be a JPG, PNG or WebP photo.")
            if width * height > PHOTO_MAX_PIXELS:
                raise UnusablePhotoError(TOO_LARGE)
            # verify() leaves the image unusable: open it again to decode it.
            with Image.open(io.BytesIO(data)) as opened:
                upright = ImageOps.exif_transpose(opened)
                upright.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
                rgb = upright.convert("RGB")
    except UnusablePhotoError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        too_big = not isinstance(error, UnidentifiedImageError)
        raise UnusablePhotoError(
            TOO_LARGE if too_big else "The selected file must be a JPG, PNG or WebP photo."
        ) from error
    except (OSError, SyntaxError, ValueError) as error:  # a damaged or cut-off file
        raise UnusablePhotoError(DAMAGED) from error
    out = io.BytesIO()
    # No exif= and no icc_profile=: nothing of the original's metadata is written.
    rgb.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return Photo(jpeg=out.getvalue(), width=rgb.width, height=rgb.height)
