"""Reading the PNG screenshots Chromium writes, without an imaging library."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np


def read_png(path: Path) -> np.ndarray:
    """Decode an 8-bit RGB/RGBA PNG (what Chromium writes) into an (h, w, channels) array."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, compressed = 8, b""
    while position < len(data):
        (length,), kind = struct.unpack(">I", data[position:position + 4]), data[position + 4:position + 8]
        body = data[position + 8:position + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and colour in (2, 6) and interlace == 0
        elif kind == b"IDAT":
            compressed += body
        position += 12 + length
    channels = 3 if colour == 2 else 4
    raw = np.frombuffer(zlib.decompress(compressed), dtype=np.uint8).reshape(height, width * channels + 1)
    image = np.zeros((height, width * channels), dtype=np.int32)
    previous = np.zeros(width * channels, dtype=np.int32)
    for y in range(height):
        kind, line = raw[y, 0], raw[y, 1:].astype(np.int32)
        if kind == 0:
            row = line
        elif kind == 1:
            row = np.cumsum(line.reshape(width, channels), axis=0).reshape(-1) % 256
        elif kind == 2:
            row = (line + previous) % 256
        else:
            row = np.zeros_like(line)
            up, values = previous.tolist(), line.tolist()
            out = [0] * len(values)
            for i, value in enumerate(values):
                left = out[i - channels] if i >= channels else 0
                upper_left = up[i - channels] if i >= channels else 0
                if kind == 3:
                    out[i] = (value + (left + up[i]) // 2) % 256
                else:
                    estimate = left + up[i] - upper_left
                    pa, pb, pc = abs(estimate - left), abs(estimate - up[i]), abs(estimate - upper_left)
                    best = left if pa <= pb and pa <= pc else up[i] if pb <= pc else upper_left
                    out[i] = (value + best) % 256
            row = np.array(out, dtype=np.int32)
        image[y], previous = row, row
    return image.reshape(height, width, channels)[:, :, :3].astype(np.uint8)


def pixels_of(image: np.ndarray, hex_colour: str) -> np.ndarray:
    rgb = [int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)]
    return np.argwhere(np.all(image == rgb, axis=2))
