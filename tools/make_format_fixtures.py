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

NPY/NPZ: arrays written by numpy itself (np.save, np.lib.format.write_array with forced
versions, np.savez, np.savez_compressed) in every supported dtype, 0-d/1-d/3-d/empty shapes,
Fortran order and big-endian. npy_manifest.json records under "npy" each file, under "npz"
each archive's members: dtype, shape, values (as float64, exact for these arrays) and the
little-endian C-order bytes as hex, i.e. what the Swift reader must produce. npy_unsupported_*.npy hold dtypes the
reader must refuse; np_save_*.npy are the byte-exact reference for our writer.

Run from the repository root:  python3 tools/make_format_fixtures.py
"""
import io
import json
import struct
import warnings
import zipfile
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


# ---------------------------------------------------------------------------------------------
# NPY / NPZ

DTYPE_NAMES = {
    "b1": "bool", "i1": "int8", "u1": "uint8", "i2": "int16", "u2": "uint16", "i4": "int32",
    "u4": "uint32", "i8": "int64", "u8": "uint64", "f2": "float16", "f4": "float32", "f8": "float64",
}


def expectation(array):
    """What NPY.read must return: dtype name, shape, values and little-endian C-order bytes."""
    little = np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<"))
    return {
        "dtype": DTYPE_NAMES[array.dtype.str[1:]],
        "shape": list(array.shape),
        "values": [float(v) for v in little.astype(np.float64).ravel()],
        "hex": little.tobytes().hex(),
    }


def dtype_examples():
    """One 3x4 array per dtype, with negative, extreme and (for floats) subnormal values."""
    base = np.arange(12).reshape(3, 4)
    arrays = {"b1": base % 3 == 0}
    for code in ["i1", "i2", "i4", "i8"]:
        info = np.iinfo(code)
        a = (base - 5).astype(code)
        a[2, 2], a[2, 3] = info.min, info.max
        arrays[code] = a
    for code in ["u1", "u2", "u4", "u8"]:
        a = base.astype(code)
        a[2, 3] = np.iinfo(code).max if code != "u8" else 2**53  # exact as a float64
        arrays[code] = a
    for code in ["f2", "f4", "f8"]:
        info = np.finfo(code)
        a = (base * 0.5 - 2).astype(code)
        a[2, 1], a[2, 2], a[2, 3] = info.max, info.smallest_subnormal, -info.tiny
        arrays[code] = a
    return {f"npy_{DTYPE_NAMES[code]}": a.astype("<" + code if code[1] != "1" else code) for code, a in arrays.items()}


def write_npy(name, array, version=None):
    with open(OUT / f"{name}.npy", "wb") as f:
        np.lib.format.write_array(f, array, version=version, allow_pickle=False)


def write_npy_fixtures(manifest):
    cases = dtype_examples()
    cases.update({
        "npy_scalar_0d": np.array(3.25, dtype="<f8"),
        "npy_vector_1d": np.arange(5, dtype="<i8") - 2,
        "npy_cube_3d": (np.arange(24, dtype="<f4") * 0.5).reshape(2, 3, 4),
        "npy_empty_0x3": np.zeros((0, 3), dtype="<f4"),
        "npy_empty_2x0x4": np.zeros((2, 0, 4), dtype="|u1"),
        "npy_fortran_f8": np.asfortranarray((np.arange(24) * 1.5).reshape(2, 3, 4)),
        "npy_fortran_i2": np.asfortranarray((np.arange(15, dtype="<i2") - 7).reshape(3, 5)),
        "npy_bigendian_f4": (np.arange(6, dtype=">f4") / 3).reshape(2, 3),
        "npy_bigendian_i8": np.array([-(2**40), -1, 0, 1, 2**40], dtype=">i8"),
        "npy_bigendian_u2": np.array([1, 258, 65535], dtype=">u2"),
        "npy_bigendian_fortran_f8": np.asfortranarray(np.arange(6, dtype=">f8").reshape(2, 3) - 2.5),
    })
    for name, array in cases.items():
        write_npy(name, array)
        manifest["npy"][f"{name}.npy"] = expectation(array)
    versions = {"npy_v2_header": (2, 0), "npy_v3_header": (3, 0)}
    for name, version in versions.items():
        array = np.arange(6, dtype="<f4").reshape(2, 3) - 1
        write_npy(name, array, version=version)
        manifest["npy"][f"{name}.npy"] = expectation(array)
    if not all(fortran_flag(OUT / f"{n}.npy") for n in cases if "fortran" in n):
        raise SystemExit("numpy did not write Fortran-order files")


def fortran_flag(path):
    with open(path, "rb") as f:
        np.lib.format.read_magic(f)  # all of these are version 1.0
        return np.lib.format.read_array_header_1_0(f)[1]


def write_unsupported_npy():
    """Files the reader must refuse, naming the dtype."""
    np.save(OUT / "npy_unsupported_object.npy", np.array([1, "a", None], dtype=object), allow_pickle=True)
    np.save(OUT / "npy_unsupported_unicode.npy", np.array(["ab", "cde"]))
    np.save(OUT / "npy_unsupported_structured.npy", np.zeros(2, dtype=[("a", "<i4"), ("b", "<f8")]))
    np.save(OUT / "npy_unsupported_complex.npy", np.zeros(2, dtype="<c8"))


def write_writer_references():
    """np.save output our writer must reproduce byte for byte."""
    np.save(OUT / "np_save_f4_3x4.npy", (np.arange(12, dtype=np.float32) * 0.5).reshape(3, 4))
    np.save(OUT / "np_save_bool_5.npy", np.array([True, False, False, True, True]))
    np.save(OUT / "np_save_u1_2x3x4.npy", np.arange(24, dtype=np.uint8).reshape(2, 3, 4))
    np.save(OUT / "np_save_i8_0d.npy", np.array(-7, dtype=np.int64))
    np.save(OUT / "np_save_f8_0x2.npy", np.zeros((0, 2)))


def npz_members():
    return {
        "image": (np.arange(12, dtype="<f4") / 7).reshape(1, 3, 4),
        "label": np.array([0, 1, 1, 0], dtype="|u1"),
        "count": np.array(42, dtype="<i8"),
        "flags": np.array([True, False]),
        "nothing": np.zeros((0,), dtype="<f8"),
        "wide": np.asfortranarray((np.arange(60, dtype="<f8") - 30).reshape(3, 4, 5)),
    }


def write_npz_fixtures(manifest):
    members = npz_members()
    np.savez(OUT / "npz_stored.npz", **members)
    np.savez_compressed(OUT / "npz_compressed.npz", **members)
    for name in ["npz_stored.npz", "npz_compressed.npz"]:
        manifest["npz"][name] = {key: expectation(value) for key, value in members.items()}
        with zipfile.ZipFile(OUT / name) as archive:  # numpy forces zip64 headers; keep it so
            methods = {info.compress_type for info in archive.infolist()}
        want = zipfile.ZIP_STORED if name == "npz_stored.npz" else zipfile.ZIP_DEFLATED
        if methods != {want}:
            raise SystemExit(f"{name}: unexpected compression {methods}")

    # An archive whose second member is not an NPY array.
    good = io.BytesIO()
    np.lib.format.write_array(good, np.arange(3, dtype="<i8"))
    with zipfile.ZipFile(OUT / "npz_bad_member.npz", "w") as archive:
        # A fixed timestamp keeps the file identical from run to run, as numpy's own are.
        stamp = (1980, 1, 1, 0, 0, 0)
        archive.writestr(zipfile.ZipInfo("fine.npy", stamp), good.getvalue())
        archive.writestr(zipfile.ZipInfo("broken.npy", stamp), b"\x93NUMPY\x01\x00\x10\x00{'descr': '<f4'")


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(20261124)
    write_png_fixtures(rng)
    write_png_bomb()
    manifest = {"npy": {}, "npz": {}}
    write_npy_fixtures(manifest)
    write_npz_fixtures(manifest)
    write_unsupported_npy()
    write_writer_references()
    with open(OUT / "npy_manifest.json", "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"NPY/NPZ fixtures written; {len(manifest['npy'])} npy and {len(manifest['npz'])} npz entries in npy_manifest.json")


if __name__ == "__main__":
    main()
