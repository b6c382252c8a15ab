#!/usr/bin/env python3
"""PyTorch reference values for the Tensor ops whose definitions are subtle.

Writes Tests/Fixtures/tensor/<case>_<array>.npy (float32; gather indices int64): group norm,
layer norm, SAM's LayerNorm2d, GELU (erf and tanh forms), softmax / log-softmax, var
(unbiased and biased), batch norm in training (with the running-statistics update) and in
evaluation, matmul with broadcast batch axes and 1-D operands, gather, and the wrappers of the
convolution / pooling / resampling kernels with non-square settings (which catch a height and
width swapped on the way to the kernels). Shapes are small because the fixtures are committed.

Run from the repository root (needs torch):  python3 tools/make_tensor_fixtures.py
"""
import pathlib

import numpy as np
import torch
import torch.nn.functional as F

OUT = pathlib.Path(__file__).resolve().parent.parent / "Tests" / "Fixtures" / "tensor"


def save(case, name, value):
    array = value.detach().numpy() if isinstance(value, torch.Tensor) else np.asarray(value)
    array = np.array(array, order="C")  # ascontiguousarray would turn 0-d into 1-d
    if array.dtype != np.int64:
        array = array.astype(np.float32)
    np.save(OUT / f"{case}_{name}.npy", array)


def randn(rng, *shape, scale=1.0):
    return torch.tensor(rng.standard_normal(shape) * scale, dtype=torch.float32)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(20261124)

    x, w, b = randn(rng, 2, 6, 3, 4, scale=2) + 0.5, randn(rng, 6), randn(rng, 6)
    for name, v in dict(input=x, weight=w, bias=b, output=F.group_norm(x, 3, w, b, eps=1e-5)).items():
        save("group_norm", name, v)

    x, w, b = randn(rng, 3, 5, 8, scale=3) - 1, randn(rng, 8), randn(rng, 8)
    for name, v in dict(input=x, weight=w, bias=b, output=F.layer_norm(x, (8,), w, b, eps=1e-6)).items():
        save("layer_norm", name, v)

    # segment_anything/modeling/common.py LayerNorm2d, written out as SAM does.
    x, w, b = randn(rng, 2, 5, 3, 3, scale=2), randn(rng, 5), randn(rng, 5)
    u = x.mean(1, keepdim=True)
    s = (x - u).pow(2).mean(1, keepdim=True)
    y = w[:, None, None] * ((x - u) / torch.sqrt(s + 1e-6)) + b[:, None, None]
    for name, v in dict(input=x, weight=w, bias=b, output=y).items():
        save("layer_norm2d", name, v)

    x = torch.cat([torch.linspace(-8, 8, 81), randn(rng, 47, scale=3)])
    save("gelu", "input", x)
    save("gelu", "exact", F.gelu(x))
    save("gelu", "tanh", F.gelu(x, approximate="tanh"))

    x = randn(rng, 3, 4, 7, scale=4)
    save("softmax", "input", x)
    save("softmax", "last", F.softmax(x, dim=-1))
    save("softmax", "middle", F.softmax(x, dim=1))
    save("softmax", "log_last", F.log_softmax(x, dim=-1))
    save("softmax", "log_first", F.log_softmax(x, dim=0))

    x = randn(rng, 3, 4, 5, scale=2) + 3
    save("var", "input", x)
    save("var", "unbiased_0_2", torch.var(x, dim=(0, 2)))
    save("var", "biased_1_keepdim", torch.var(x, dim=1, correction=0, keepdim=True))
    save("var", "unbiased_all", torch.var(x))

    bn = torch.nn.BatchNorm2d(3, momentum=0.1, eps=1e-5)
    with torch.no_grad():
        bn.weight.copy_(randn(rng, 3))
        bn.bias.copy_(randn(rng, 3))
        bn.running_mean.copy_(randn(rng, 3))
        bn.running_var.copy_(torch.tensor(rng.random(3) + 0.5, dtype=torch.float32))
    save("batch_norm", "weight", bn.weight)
    save("batch_norm", "bias", bn.bias)
    save("batch_norm", "running_mean_before", bn.running_mean)
    save("batch_norm", "running_var_before", bn.running_var)
    x = randn(rng, 4, 3, 2, 5, scale=2) + 1
    bn.train()
    save("batch_norm", "train_input", x)
    save("batch_norm", "train_output", bn(x))
    save("batch_norm", "running_mean_after", bn.running_mean)
    save("batch_norm", "running_var_after", bn.running_var)
    bn.eval()
    x = randn(rng, 2, 3, 2, 2)
    save("batch_norm", "eval_input", x)
    save("batch_norm", "eval_output", bn(x))

    cases = dict(batched=((2, 1, 3, 4), (3, 4, 5)), shared=((2, 3, 4), (4, 5)),
                 vector_left=((4,), (2, 4, 3)), vector_right=((2, 3, 4), (4,)), dot=((6,), (6,)))
    for case, (sa, sb) in cases.items():
        a, m = randn(rng, *sa), randn(rng, *sb)
        save(f"matmul_{case}", "a", a)
        save(f"matmul_{case}", "b", m)
        save(f"matmul_{case}", "output", torch.matmul(a, m))

    x = randn(rng, 3, 5)
    index = torch.tensor(rng.integers(0, 5, size=(3, 4)), dtype=torch.int64)
    save("gather", "input", x)
    save("gather", "index", index)
    save("gather", "output", torch.gather(x, 1, index))

    x, w, b = randn(rng, 2, 4, 7, 6), randn(rng, 6, 2, 3, 2), randn(rng, 6)
    save("conv2d", "input", x)
    save("conv2d", "weight", w)
    save("conv2d", "bias", b)
    save("conv2d", "output", F.conv2d(x, w, b, stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2))

    x, w, b = randn(rng, 2, 4, 3, 5), randn(rng, 4, 3, 3, 2), randn(rng, 6)
    save("conv_transpose2d", "input", x)
    save("conv_transpose2d", "weight", w)
    save("conv_transpose2d", "bias", b)
    save("conv_transpose2d", "output", F.conv_transpose2d(x, w, b, stride=(2, 3), padding=(1, 0),
                                                          output_padding=(1, 2), groups=2))

    x = randn(rng, 2, 3, 7, 6)
    save("max_pool2d", "input", x)
    save("max_pool2d", "output", F.max_pool2d(x, kernel_size=(3, 2), stride=(2, 2), padding=(1, 0),
                                              ceil_mode=True))

    x = randn(rng, 1, 2, 5, 4)
    save("interpolate", "input", x)
    save("interpolate", "bilinear_size", F.interpolate(x, size=(7, 3), mode="bilinear", align_corners=False))
    save("interpolate", "bilinear_corners", F.interpolate(x, size=(9, 6), mode="bilinear", align_corners=True))
    save("interpolate", "bilinear_scale", F.interpolate(x, scale_factor=(1.7, 2.5), mode="bilinear",
                                                        align_corners=False))
    save("interpolate", "nearest_scale", F.interpolate(x, scale_factor=(0.6, 1.5), mode="nearest"))


if __name__ == "__main__":
    main()
