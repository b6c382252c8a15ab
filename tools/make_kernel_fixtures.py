#!/usr/bin/env python3
"""PyTorch reference outputs and autograd gradients for the raw Tensor kernels.

Writes Tests/Fixtures/kernels/<case>_<array>.npy (float32, or int32 for pooling indices) and
cases.json, which lists every case with its geometry and the arrays it has. The shapes are
small on purpose: the fixtures are committed, and each case exercises one rule of PyTorch's
geometry (stride, padding, dilation, groups, output_padding, ceil_mode, NaN propagation).

Run from the repository root:  python3 tools/make_kernel_fixtures.py
"""
import json
import pathlib

import numpy as np
import torch
import torch.nn.functional as F

OUT = pathlib.Path(__file__).resolve().parent.parent / "Tests" / "Fixtures" / "kernels"


def pair(v):
    return tuple(v) if isinstance(v, (list, tuple)) else (v, v)


def save(case, name, array):
    array = np.ascontiguousarray(array)
    if array.dtype == np.int64:
        array = array.astype(np.int32)
    elif array.dtype != np.int32:
        array = array.astype(np.float32)
    np.save(OUT / f"{case}_{name}.npy", array)
    return name


def conv_case(rng, name, n, c, h, w, o, k, stride=1, pad=0, dilation=1, groups=1, bias=True):
    kh, kw = pair(k)
    x = torch.tensor(rng.standard_normal((n, c, h, w)), dtype=torch.float32, requires_grad=True)
    wt = torch.tensor(rng.standard_normal((o, c // groups, kh, kw)), dtype=torch.float32, requires_grad=True)
    b = torch.tensor(rng.standard_normal(o), dtype=torch.float32, requires_grad=True) if bias else None
    y = F.conv2d(x, wt, b, stride=pair(stride), padding=pair(pad), dilation=pair(dilation), groups=groups)
    g = torch.tensor(rng.standard_normal(tuple(y.shape)), dtype=torch.float32)
    y.backward(g)
    arrays = [save(name, "input", x.detach()), save(name, "weight", wt.detach()),
              save(name, "output", y.detach()), save(name, "output_grad", g),
              save(name, "input_grad", x.grad), save(name, "weight_grad", wt.grad)]
    if bias:
        arrays += [save(name, "bias", b.detach()), save(name, "bias_grad", b.grad)]
    (sh, sw), (ph, pw), (dh, dw) = pair(stride), pair(pad), pair(dilation)
    return {"name": name, "kind": "conv2d", "arrays": arrays, "batch": n, "inChannels": c,
            "inHeight": h, "inWidth": w, "outChannels": o, "kernelHeight": kh, "kernelWidth": kw,
            "strideH": sh, "strideW": sw, "padH": ph, "padW": pw, "dilationH": dh, "dilationW": dw,
            "groups": groups}


def conv_transpose_case(rng, name, n, c, h, w, o, k, stride=1, pad=0, output_padding=0,
                        dilation=1, groups=1, bias=True):
    kh, kw = pair(k)
    x = torch.tensor(rng.standard_normal((n, c, h, w)), dtype=torch.float32, requires_grad=True)
    wt = torch.tensor(rng.standard_normal((c, o // groups, kh, kw)), dtype=torch.float32, requires_grad=True)
    b = torch.tensor(rng.standard_normal(o), dtype=torch.float32, requires_grad=True) if bias else None
    y = F.conv_transpose2d(x, wt, b, stride=pair(stride), padding=pair(pad),
                           output_padding=pair(output_padding), groups=groups, dilation=pair(dilation))
    g = torch.tensor(rng.standard_normal(tuple(y.shape)), dtype=torch.float32)
    y.backward(g)
    arrays = [save(name, "input", x.detach()), save(name, "weight", wt.detach()),
              save(name, "output", y.detach()), save(name, "output_grad", g),
              save(name, "input_grad", x.grad), save(name, "weight_grad", wt.grad)]
    if bias:
        arrays += [save(name, "bias", b.detach()), save(name, "bias_grad", b.grad)]
    (sh, sw), (ph, pw), (oph, opw), (dh, dw) = pair(stride), pair(pad), pair(output_padding), pair(dilation)
    return {"name": name, "kind": "conv_transpose2d", "arrays": arrays, "batch": n, "inChannels": c,
            "inHeight": h, "inWidth": w, "outChannels": o, "kernelHeight": kh, "kernelWidth": kw,
            "strideH": sh, "strideW": sw, "padH": ph, "padW": pw, "outputPaddingH": oph,
            "outputPaddingW": opw, "dilationH": dh, "dilationW": dw, "groups": groups}


def max_pool_case(rng, name, n, c, h, w, k, stride=None, pad=0, dilation=1, ceil_mode=False,
                  values="normal"):
    kh, kw = pair(k)
    sh, sw = pair(stride if stride is not None else k)
    if values == "ties":
        data = rng.integers(0, 3, (n, c, h, w)).astype(np.float32)
    else:
        data = rng.standard_normal((n, c, h, w)).astype(np.float32)
        if values == "nan":
            flat = data.reshape(-1)
            flat[rng.choice(flat.size, size=max(2, flat.size // 10), replace=False)] = np.nan
    x = torch.tensor(data, requires_grad=True)
    y, idx = F.max_pool2d(x, (kh, kw), (sh, sw), pair(pad), pair(dilation), ceil_mode=ceil_mode,
                          return_indices=True)
    g = torch.tensor(rng.standard_normal(tuple(y.shape)), dtype=torch.float32)
    y.backward(g)
    arrays = [save(name, "input", x.detach()), save(name, "output", y.detach()),
              save(name, "indices", idx), save(name, "output_grad", g), save(name, "input_grad", x.grad)]
    (ph, pw), (dh, dw) = pair(pad), pair(dilation)
    return {"name": name, "kind": "max_pool2d", "arrays": arrays, "batch": n, "channels": c,
            "inHeight": h, "inWidth": w, "kernelHeight": kh, "kernelWidth": kw, "strideH": sh,
            "strideW": sw, "padH": ph, "padW": pw, "dilationH": dh, "dilationW": dw,
            "ceilMode": ceil_mode}


def interpolate_case(rng, name, n, c, h, w, out_h, out_w, mode, align_corners=None, scale=None):
    x = torch.tensor(rng.standard_normal((n, c, h, w)), dtype=torch.float32, requires_grad=True)
    if scale is None:
        y = F.interpolate(x, size=(out_h, out_w), mode=mode, align_corners=align_corners)
    else:
        # PyTorch then computes source coordinates from 1/scale, not from the size ratio.
        y = F.interpolate(x, scale_factor=scale, mode=mode, align_corners=align_corners,
                          recompute_scale_factor=False)
        assert tuple(y.shape[2:]) == (out_h, out_w), y.shape
    g = torch.tensor(rng.standard_normal(tuple(y.shape)), dtype=torch.float32)
    y.backward(g)
    arrays = [save(name, "input", x.detach()), save(name, "output", y.detach()),
              save(name, "output_grad", g), save(name, "input_grad", x.grad)]
    return {"name": name, "kind": "interpolate", "arrays": arrays, "batch": n, "channels": c,
            "inHeight": h, "inWidth": w, "outHeight": out_h, "outWidth": out_w, "mode": mode,
            "alignCorners": bool(align_corners), "scaleH": scale and scale[0], "scaleW": scale and scale[1]}


def main():
    torch.set_num_threads(1)
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.npy"):
        old.unlink()
    rng = np.random.default_rng(20261124)
    cases = [
        conv_case(rng, "conv_basic", 2, 3, 7, 6, 4, 3),
        conv_case(rng, "conv_stride2_pad1", 1, 2, 9, 8, 3, 3, stride=2, pad=1),
        conv_case(rng, "conv_dilated_rect_stride", 1, 2, 10, 9, 2, 3, stride=(1, 2), pad=2, dilation=2),
        conv_case(rng, "conv_groups2_rect_kernel", 2, 4, 6, 7, 6, (3, 2), pad=(1, 0), groups=2),
        conv_case(rng, "conv_depthwise", 1, 3, 8, 8, 3, 3, stride=2, pad=1, groups=3),
        conv_case(rng, "conv_depthwise_multiplier", 2, 3, 7, 5, 6, 3, pad=1, groups=3, bias=False),
        conv_case(rng, "conv_pointwise", 2, 5, 4, 5, 3, 1),
        conv_case(rng, "conv_pointwise_stride2", 1, 4, 7, 7, 2, 1, stride=2),
        conv_case(rng, "conv_wide_pad_no_bias", 1, 3, 5, 6, 2, (2, 4), stride=(2, 1), pad=(0, 2), bias=False),
        conv_transpose_case(rng, "convt_basic", 2, 3, 4, 5, 2, 3),
        conv_transpose_case(rng, "convt_stride2_pad1_outpad1", 1, 2, 4, 3, 3, 3, stride=2, pad=1, output_padding=1),
        conv_transpose_case(rng, "convt_groups2_dilated", 1, 4, 3, 4, 6, 3, stride=2, dilation=2,
                            groups=2, output_padding=(1, 0)),
        conv_transpose_case(rng, "convt_upsample_k2s2", 2, 4, 3, 3, 2, 2, stride=2),
        conv_transpose_case(rng, "convt_outpad_by_dilation", 1, 2, 3, 3, 2, 3, dilation=2,
                            output_padding=1, bias=False),
        conv_transpose_case(rng, "convt_rect_pad", 1, 3, 5, 4, 4, (2, 3), stride=(1, 3), pad=(1, 1)),
        max_pool_case(rng, "pool_k2", 2, 3, 6, 7, 2),
        max_pool_case(rng, "pool_k3s2p1", 1, 2, 9, 8, 3, stride=2, pad=1),
        max_pool_case(rng, "pool_ceil", 1, 2, 8, 8, 3, stride=2, ceil_mode=True),
        max_pool_case(rng, "pool_ceil_last_window_dropped", 1, 2, 5, 5, 2, stride=2, pad=1, ceil_mode=True),
        max_pool_case(rng, "pool_dilated", 1, 2, 7, 7, 3, stride=1, pad=1, dilation=2),
        max_pool_case(rng, "pool_rect_odd", 1, 2, 7, 9, (2, 3), stride=(1, 2), pad=(1, 1)),
        max_pool_case(rng, "pool_ties", 1, 2, 6, 6, 3, stride=1, values="ties"),
        max_pool_case(rng, "pool_nan", 1, 2, 8, 8, 3, stride=2, pad=1, values="nan"),
        interpolate_case(rng, "interp_bilinear_up", 1, 2, 4, 5, 9, 7, "bilinear", align_corners=False),
        interpolate_case(rng, "interp_bilinear_down_aligned", 1, 2, 9, 8, 4, 5, "bilinear", align_corners=True),
        interpolate_case(rng, "interp_nearest_up", 1, 2, 3, 4, 7, 9, "nearest"),
        interpolate_case(rng, "interp_nearest_down", 1, 2, 9, 8, 4, 3, "nearest"),
        interpolate_case(rng, "interp_bilinear_scale_factor", 1, 2, 6, 4, 10, 9, "bilinear",
                         align_corners=False, scale=(1.7, 2.3)),
        interpolate_case(rng, "interp_nearest_scale_factor", 1, 2, 7, 5, 9, 6, "nearest", scale=(1.4, 1.3)),
    ]
    (OUT / "cases.json").write_text(json.dumps({"torch": torch.__version__, "cases": cases}, indent=1) + "\n")
    print(f"wrote {len(cases)} cases to {OUT}")


if __name__ == "__main__":
    main()
