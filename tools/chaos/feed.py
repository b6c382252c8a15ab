#!/usr/bin/env python3
"""Keeps inputs arriving in a spool's inbox while the chaos driver kills the daemon.

Each drop is one line of the manifest (JSON): the name it was dropped under, the sha256 of
its bytes, whether it is a good image or a hostile file, and how it arrived:
  rename   written beside the inbox, then renamed in without replacing (IN_MOVED_TO)
  slow     created in the inbox and written in small pieces with pauses (IN_CLOSE_WRITE)
  redrop   a name dropped before, dropped again once the first copy has left the inbox
While more than BACKLOG images wait in the inbox it pauses, so the clean run at the end has a
bounded amount left to do. Stops when the stop file appears or the count is reached.
Standard library only.
"""
import ctypes, hashlib, json, os, random, sys, time

spool, pool_dir, hostile_dir, manifest_path, stop_file, count, seed = sys.argv[1:8]
count, rng = int(count), random.Random(int(seed))
inbox = os.path.join(spool, "inbox")
staging = os.path.join(os.path.dirname(os.path.abspath(spool)), "staging")  # same filesystem, outside the spool
os.makedirs(staging, exist_ok=True)
libc = ctypes.CDLL("libc.so.6", use_errno=True)
RENAME_NOREPLACE, AT_FDCWD = 1, -100

def rename_noreplace(src, dst):
    if libc.renameat2(AT_FDCWD, src.encode(), AT_FDCWD, dst.encode(), RENAME_NOREPLACE) != 0:
        raise FileExistsError(ctypes.get_errno(), dst)

good = sorted(os.path.join(pool_dir, f) for f in os.listdir(pool_dir) if f.endswith(".png"))
hostile = [open(os.path.join(hostile_dir, f), "rb").read() for f in sorted(os.listdir(hostile_dir))]
dropped_names = []
BACKLOG = 12

def payload():
    if rng.random() < 0.2:
        return "hostile", rng.choice(hostile)
    return "good", open(rng.choice(good), "rb").read()

with open(manifest_path, "a") as manifest:
    for i in range(count):
        while len(os.listdir(inbox)) > BACKLOG and not os.path.exists(stop_file):
            time.sleep(0.2)
        if os.path.exists(stop_file):
            break
        kind, data = payload()
        mode = rng.choice(["rename", "rename", "slow", "redrop"])
        name = f"drop {i:05d}.png"
        if mode == "redrop" and dropped_names:
            name = rng.choice(dropped_names)
            if os.path.exists(os.path.join(inbox, name)):
                mode, name = "rename", f"drop {i:05d}.png"  # the first copy is still waiting
        elif mode == "redrop":
            mode = "rename"
        target = os.path.join(inbox, name)
        try:
            if mode == "slow":
                fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
                pieces = [data[k:k + 4096] for k in range(0, len(data), 4096)] or [b""]
                for piece in pieces:
                    os.write(fd, piece)
                    time.sleep(rng.uniform(0, 0.02))
                os.close(fd)
            else:
                temp = os.path.join(staging, f"{i}.part")
                with open(temp, "wb") as f:
                    f.write(data)
                rename_noreplace(temp, target)
        except FileExistsError:
            continue
        dropped_names.append(name)
        manifest.write(json.dumps({"name": name, "sha256": hashlib.sha256(data).hexdigest(), "kind": kind,
                                   "mode": mode}) + "\n")
        manifest.flush()
        time.sleep(rng.uniform(0, 0.15))
