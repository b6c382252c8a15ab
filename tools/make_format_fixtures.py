#!/usr/bin/env python3
"""Writes the fixtures of the Formats tests into Tests/Fixtures/formats/.

PNG: every colour type and bit depth, written by the small encoder below (zlib + struct, no
libpng), so the Swift decoder (libpng) is checked against an independent writer. Beside each
NAME.png go the pixels the Swift reader must return, as numpy arrays in planar CHW order:
  NAME.u8.npy    PNG.read   (native channels, 8 bits; 16-bit samples scaled with rounding)
  NAME.u16.npy   PNG.read16 (native channels, 16 bits; lower depths scaled up exactly)
  NAME.gray.npy  PNG.readGray (PIL's convert("L") formula, alpha dropped)
  NAME.rgb.npy   PNG.readRGB (gray replicated, alpha dropped)
When Pillow is installed, every 8-bit expectation is also checked against Pillow's own decoding
of the file (and its convert("L")), which validates both the encoder and the expectations.

Run from the repository root:  python3 tools/make_format_fixtures.py
"""
import struct
import warnings
import zlib
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent.parent / "Tests" / "Fixtures" / "formats"

# ---------------------------------------------------------------------------------------------
# PNG


def chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def pack_rows(samples: np.ndarray, bit_depth: int) -> list:
    """Rows (H x W*C samples) as PNG scanline bytes without the filter byte."""
    height = samples.shape[0]
    flat = samples.reshape(height, -1)
    if bit_depth == 16:
        return [row.astype(">u2").tobytes() for row in flat]
    if bit_depth == 8:
        return [row.astype(np.uint8).tobytes() for row in flat]
    per_byte = 8 // bit_depth
    rows = []
    for row in flat:
        padded = np.zeros(-(-len(row) // per_byte) * per_byte, dtype=np.uint8)
        padded[: len(row)] = row
        groups = padded.reshape(-1, per_byte)
        shifts = (8 - bit_depth * (np.arange(per_byte) + 1)).astype(np.uint8)
        rows.append(np.bitwise_or.reduce(groups << shifts, axis=1).astype(np.uint8).tobytes())
    return rows


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def encode_png(samples, bit_depth, color_type, palette=None, trns=None, interlaced=False) -> bytes:
    """samples: H x W x C array of raw sample values (palette indices for colour type 3)."""
    height, width = samples.shape[:2]
    raw = b""
    passes = ADAM7 if interlaced else [(0, 0, 1, 1)]
    for x0, y0, dx, dy in passes:
        sub = samples[y0::dy, x0::dx]
        if sub.shape[0] == 0 or sub.shape[1] == 0:
            continue  # Adam7 omits empty passes.
        raw += b"".join(b"\x00" + row for row in pack_rows(sub, bit_depth))
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 1 if interlaced else 0)
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
    if palette is not None:
        out += chunk(b"PLTE", np.asarray(palette, dtype=np.uint8).tobytes())
    if trns is not None:
        out += chunk(b"tRNS", trns)
    # Two IDAT chunks, as encoders that stream their output write them.
    data = zlib.compress(raw, 9)
    half = len(data) // 2
    return out + chunk(b"IDAT", data[:half]) + chunk(b"IDAT", data[half:]) + chunk(b"IEND", b"")


def to8(values, bit_depth):
    values = values.astype(np.int64)
    if bit_depth == 16:
        return np.floor(values / 257.0 + 0.5).astype(np.uint8)  # round(v * 255 / 65535)
    return (values * 255 // (2**bit_depth - 1)).astype(np.uint8)


def to16(values, bit_depth):
    values = values.astype(np.int64)
    if bit_depth == 16:
        return values.astype(np.uint16)
    return (to8(values, bit_depth).astype(np.int64) * 257).astype(np.uint16)


def pil_gray(hwc8):
    """PIL's convert("L"): ITU-R 601-2 luma in 16-bit fixed point, alpha ignored."""
    if hwc8.shape[2] < 3:
        return hwc8[:, :, :1]
    r, g, b = (hwc8[:, :, i].astype(np.int64) for i in range(3))
    return ((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16).astype(np.uint8)[:, :, None]


def as_rgb(hwc):
    if hwc.shape[2] >= 3:
        return hwc[:, :, :3]
    return np.repeat(hwc[:, :, :1], 3, axis=2)


def chw(hwc):
    return np.ascontiguousarray(hwc.transpose(2, 0, 1))


def png_cases(rng):
    """(name, png bytes, native 8-bit HWC, native 16-bit HWC)."""
    height, width = 7, 13  # odd width: sub-byte rows end in padding bits
    cases = []
    plain = [("gray", 0, 1), ("ga", 4, 2), ("rgb", 2, 3), ("rgba", 6, 4)]
    depths = {"gray": [1, 2, 4, 8, 16], "ga": [8, 16], "rgb": [8, 16], "rgba": [8, 16]}
    for name, color_type, channels in plain:
        for depth in depths[name]:
            top = 2**depth - 1
            samples = rng.integers(0, top + 1, size=(height, width, channels))
            samples[0, 0, :] = 0  # the extremes are always present
            samples[0, 1, :] = top
            data = encode_png(samples, depth, color_type)
            cases.append((f"{name}{depth}", data, to8(samples, depth), to16(samples, depth)))

    # Palette without transparency (8-bit indices) and with a short tRNS (4-bit indices):
    # entries past the tRNS table are opaque.
    palette = rng.integers(0, 256, size=(16, 3))
    indices = rng.integers(0, 16, size=(height, width, 1))
    rgb = palette[indices[:, :, 0]]
    cases.append(("palette8", encode_png(indices, 8, 3, palette=palette), rgb.astype(np.uint8), to16(rgb, 8)))
    alpha_table = np.array([0, 64, 128, 200, 255, 10], dtype=np.uint8)
    alpha = np.full(16, 255)
    alpha[: len(alpha_table)] = alpha_table
    rgba = np.concatenate([rgb, alpha[indices[:, :, 0]][:, :, None]], axis=2)
    data = encode_png(indices, 4, 3, palette=palette, trns=alpha_table.tobytes())
    cases.append(("palette4_trns", data, rgba.astype(np.uint8), to16(rgba, 8)))

    # Gray with a tRNS key colour: that value becomes transparent, the rest opaque.
    gray = rng.integers(0, 256, size=(height, width, 1))
    key = int(gray[3, 5, 0])
    ga = np.concatenate([gray, np.where(gray == key, 0, 255)], axis=2)
    data = encode_png(gray, 8, 0, trns=struct.pack(">H", key))
    cases.append(("gray8_trns", data, ga.astype(np.uint8), to16(ga, 8)))

    # Adam7 interlacing, at 8-bit RGB and at 2-bit gray (sub-byte passes).
    samples = rng.integers(0, 256, size=(height + 4, width + 2, 3))
    cases.append(("rgb8_interlaced", encode_png(samples, 8, 2, interlaced=True), to8(samples, 8), to16(samples, 8)))
    samples = rng.integers(0, 4, size=(height, width, 1))
    cases.append(("gray2_interlaced", encode_png(samples, 2, 0, interlaced=True), to8(samples, 2), to16(samples, 2)))
    return cases


def check_with_pillow(path, native8, gray):
    """Pillow's decoding of an 8-bit-or-less file must equal the expectations."""
    try:
        from PIL import Image
    except ImportError:
        return False
    with warnings.catch_warnings(), Image.open(path) as image:
        warnings.simplefilter("ignore")  # Pillow's advice on palette transparency
        mode = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}[native8.shape[2]]
        decoded = np.array(image.convert(mode)).reshape(native8.shape)
        assert np.array_equal(decoded, native8), path
        assert np.array_equal(np.array(image.convert("L"))[:, :, None], gray), path
    return True


def check_gray16_with_pillow(path, native16):
    """Pillow keeps 16-bit gray as is (mode I;16), which checks the 16-bit samples."""
    try:
        from PIL import Image
    except ImportError:
        return False
    with Image.open(path) as image:
        assert np.array_equal(np.array(image).astype(np.uint16)[:, :, None], native16), path
    return True


def write_png_fixtures(rng):
    checked = 0
    for name, data, native8, native16 in png_cases(rng):
        path = OUT / f"{name}.png"
        path.write_bytes(data)
        gray = pil_gray(native8)
        np.save(OUT / f"{name}.u8.npy", chw(native8))
        np.save(OUT / f"{name}.u16.npy", chw(native16))
        np.save(OUT / f"{name}.gray.npy", chw(gray))
        np.save(OUT / f"{name}.rgb.npy", chw(as_rgb(native8)))
        if name == "gray16":
            checked += check_gray16_with_pillow(path, native16)
        elif "16" not in name:  # Pillow reduces 16-bit colour its own way; not comparable
            checked += check_with_pillow(path, native8, gray)
    print(f"PNG fixtures written; {checked} cross-checked with Pillow")


def write_png_bomb():
    """A 73-byte file declaring a 20000x20000 image (400 M pixels); its one IDAT holds only the
    start of the stream. A decoder that allocates from the header alone would need 400 MB."""
    ihdr = struct.pack(">IIBBBBB", 20000, 20000, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 20001)[:16]
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    (OUT / "bomb_20000x20000.png").write_bytes(data)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(20261124)
    write_png_fixtures(rng)
    write_png_bomb()


if __name__ == "__main__":
    main()
