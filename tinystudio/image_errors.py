"""What Pillow raises on a damaged image file, as one tuple every image reader catches.

Why: Pillow's decoders do not keep to OSError. A PNG whose IHDR length byte is 0 raises
ValueError ("Truncated IHDR chunk", found by the import fuzzer); others raise
SyntaxError, EOFError, IndexError or struct.error. Each reached the user as a crash
report until every reader caught the same set and named the file.
"""

from __future__ import annotations

import struct


def pil_decode_errors() -> tuple[type[BaseException], ...]:
    from PIL import UnidentifiedImageError  # Pillow is imported only where images are read

    return (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error)
