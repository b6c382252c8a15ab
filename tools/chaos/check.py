#!/usr/bin/env python3
"""Audits a spool after a chaos run against the feeder's manifest. Standard library only.

Every dropped input (matched by content, since a re-dropped name is stored under a suffixed
stem) must be in exactly one of done/ and failed/; each done image must have all four
outputs, decodable and of its size; no output may lack its input; no temporary may be left.
Prints the counts and exits 1 when anything was lost, duplicated, corrupt or stray.
"""
import ast, collections, hashlib, json, os, struct, sys, zlib

spool, manifest_path = sys.argv[1:3]
entries = [json.loads(line) for line in open(manifest_path) if line.strip()]

def folder(*parts):
    return os.path.join(spool, *parts)

def listing(path):
    return sorted(os.listdir(path)) if os.path.isdir(path) else []

def sha(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()

def png_size(path):
    """(width, height) of a PNG whose chunks, CRCs and image data all check out."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("no PNG signature")
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        crc = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])[0]
        if zlib.crc32(kind + body) != crc:
            raise ValueError(f"bad CRC in {kind!r}")
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = header
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[colour]
    row = (width * channels * depth + 7) // 8
    if interlace == 0 and len(zlib.decompress(idat)) != height * (row + 1):
        raise ValueError("image data has the wrong length")
    return width, height

def npy_shape(path):
    data = open(path, "rb").read()
    if data[:6] != b"\x93NUMPY":
        raise ValueError("no NPY magic")
    size_bytes = 2 if data[6] == 1 else 4
    length = int.from_bytes(data[8:8 + size_bytes], "little")
    start = 8 + size_bytes
    header = ast.literal_eval(data[start:start + length].decode("latin1"))
    count = 1
    for n in header["shape"]:
        count *= n
    if len(data) - start - length != count * int(header["descr"][-1]):
        raise ValueError("data has the wrong length")
    return list(header["shape"])

problems = collections.defaultdict(list)
done = [n for n in listing(folder("done")) if n.endswith(".png")]
failed = [n for n in listing(folder("failed")) if n.endswith(".png")]
where = collections.defaultdict(lambda: [0, 0])  # sha256 → [done, failed]
for name in done:
    where[sha(folder("done", name))][0] += 1
for name in failed:
    where[sha(folder("failed", name))][1] += 1

expected = collections.Counter(e["sha256"] for e in entries)
kinds = {e["sha256"]: e["kind"] for e in entries}
for digest, wanted in expected.items():
    d, f = where[digest]
    if d + f < wanted:
        problems["lost"].append(f"{digest[:12]} ({kinds[digest]}): dropped {wanted}×, found {d + f}×")
    if d + f > wanted:
        problems["duplicated"].append(f"{digest[:12]}: dropped {wanted}×, found {d + f}×")
    if kinds[digest] == "hostile" and d:
        problems["hostile accepted"].append(digest[:12])
for digest in set(where) - set(expected):
    problems["unknown input"].append(digest[:12])

good_refused = collections.Counter()
for name in failed:
    if kinds.get(sha(folder("failed", name))) == "good":
        stem = name[:-4]
        try:
            record = json.load(open(folder("failed", stem + ".error.json")))
            good_refused[f"{record.get('stage')}: {str(record.get('error'))[:80]}"] += 1
        except (OSError, ValueError):
            good_refused["(no error record)"] += 1

for name in done:
    stem = name[:-4]
    try:
        width, height = png_size(folder("done", name))
        if png_size(folder("out", "masks", stem + ".png")) != (width, height):
            raise ValueError("mask size differs from the image")
        if npy_shape(folder("out", "refined", stem + ".npy")) != [height, width]:
            raise ValueError("refined.npy shape differs from the image")
        npy_shape(folder("out", "predictions", stem + ".npy"))
        log = json.load(open(folder("out", "logs", stem + ".json")))
        if log.get("stem") != stem:
            raise ValueError(f"log names stem {log.get('stem')!r}")
    except (OSError, ValueError, KeyError, struct.error, zlib.error) as error:
        problems["corrupt or missing output"].append(f"{name}: {error}")

done_stems = {n[:-4] for n in done}
for sub in ["masks", "refined", "predictions", "logs"]:
    for name in listing(folder("out", sub)):
        if name.rsplit(".", 1)[0] not in done_stems:
            problems["output without input"].append(f"out/{sub}/{name}")

claim_lock = os.path.join("work", ".claims.lock")
for root, _, files in os.walk(spool):
    for name in files:
        path = os.path.relpath(os.path.join(root, name), spool)
        if (name.startswith(".") or name.endswith((".tmp", ".part"))) and path != claim_lock:
            problems["stray temporary"].append(path)
for name in listing(folder("inbox")):
    problems["left in inbox/"].append(name)
# work/ holds the claim lock and, per daemon instance, an area with its lease (given up on a clean stop).
for name in listing(folder("work")):
    if os.path.isdir(folder("work", name)):
        for item in listing(folder("work", name)):
            problems["left in work/"].append(f"{name}/{item}")
    elif not name.startswith("."):
        problems["left in work/"].append(name)

hostile = sum(1 for e in entries if e["kind"] == "hostile")
print(f"inputs dropped {len(entries)} ({len(entries) - hostile} good, {hostile} hostile; "
      f"{collections.Counter(e['mode'] for e in entries)})")
print(f"done {len(done)}, failed {len(failed)}; lost {len(problems['lost'])}, "
      f"double-completed {len(problems['duplicated'])}, corrupt {len(problems['corrupt or missing output'])}, "
      f"outputs without input {len(problems['output without input'])}, stray temporaries {len(problems['stray temporary'])}")
if good_refused:
    print(f"good images refused {sum(good_refused.values())}:")
    for reason, n in good_refused.most_common():
        print(f"  {n} × {reason}")
failures = {kind: items for kind, items in problems.items() if items}
for kind, items in failures.items():
    print(f"{kind}: {len(items)}")
    for item in items[:10]:
        print(f"  {item}")
sys.exit(1 if failures else 0)
