"""Uploaded pictures decoded and encoded again, so that only the picture is kept.

What a camera or an editor adds (EXIF with the GPS position, comments, thumbnails) and anything
hidden after the image data are dropped; the EXIF orientation is applied to the pixels first, so
the picture still shows the right way up. Pictures with more pixels than
settings.UPLOAD_MAX_IMAGE_PIXELS are refused before they are decoded (a decompression bomb).
"""

import io
import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG"}
# Kept: how the colours are meant (ICC profile) and PNG transparency; everything else goes.
KEPT_INFO = ("transparency",)


def reencode(upload, mime: str, name: str) -> bytes:
    """The picture in `upload` encoded again as `mime`, or a ValidationError naming the file."""
    upload.seek(0)
    limit = settings.UPLOAD_MAX_IMAGE_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # damaged EXIF: dropped anyway
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as picture:
                width, height = picture.size
                if width * height > limit:
                    raise _too_large(name, width, height, limit)
                if picture.format != FORMATS[mime]:
                    raise ValidationError(
                        _("文件“%(name)s”的图片格式（%(found)s）与扩展名不符。")
                        % {"name": name, "found": picture.format or "?"},
                        code="content_mismatch",
                    )
                picture.load()
                quantization = getattr(picture, "quantization", None)
                icc = picture.info.get("icc_profile")
                upright = ImageOps.exif_transpose(picture)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ValidationError(
            _("文件“%(name)s”的图片尺寸过大（超过 %(max)d 万像素），无法处理。")
            % {"name": name, "max": limit // 10_000},
            code="image_too_large",
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(
            _("文件“%(name)s”的图片已损坏，无法打开。") % {"name": name}, code="bad_image"
        ) from exc
    finally:
        upload.seek(0)
    upright.info = {key: value for key, value in upright.info.items() if key in KEPT_INFO}
    options = {"icc_profile": icc} if icc else {}
    try:
        if mime != "image/jpeg":
            return _encoded(upright, "PNG", options)
        if upright.mode not in ("RGB", "L", "CMYK"):
            upright = upright.convert("RGB")
        if quantization:
            try:  # the original's quality, not a new guess
                return _encoded(upright, "JPEG", {**options, "qtables": quantization})
            except ValueError:
                pass  # damaged tables in the original
        return _encoded(upright, "JPEG", {**options, "quality": 90})
    except (OSError, ValueError) as exc:
        raise ValidationError(
            _("文件“%(name)s”的图片已损坏，无法打开。") % {"name": name}, code="bad_image"
        ) from exc


def _encoded(picture, kind: str, options: dict) -> bytes:
    out = io.BytesIO()
    picture.save(out, kind, **options)
    return out.getvalue()


def _too_large(name: str, width: int, height: int, limit: int) -> ValidationError:
    return ValidationError(
        _("文件“%(name)s”的图片尺寸过大（%(w)d×%(h)d 像素），上限 %(max)d 万像素。")
        % {"name": name, "w": width, "h": height, "max": limit // 10_000},
        code="image_too_large",
    )
