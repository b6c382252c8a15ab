#!/usr/bin/env python3
"""Fits the rational approximations FastMath uses for erf and tanh.

Both functions are odd and saturate in float32 (erf beyond |x| = 4, tanh beyond |x| = 9), so
f(x) ≈ x · P(x²) / Q(x²) on the clamped range. The coefficients start from the linearised
least-squares solution of P − f·Q = 0 and are refined towards minimax by least p-th powers of
the absolute error (p = 4, 8, 16). The script prints each fit's float64 error and the error of
evaluating it in float32 as the Swift code does (Horner, then one division).

Run by hand (numpy + scipy):  python3 tools/fit_rational_approximations.py
"""
import numpy as np
from scipy.optimize import least_squares
from scipy.special import erf


def fit(function, limit, dp, dq):
    s = np.linspace(0, 1, 40001)              # s = x² / limit², well conditioned
    x = np.sqrt(s) * limit
    safe = np.maximum(x, 1e-300)
    target = np.where(x > 0, function(safe) / safe, function(np.float64(1e-8)) / 1e-8)

    def split(v):
        return v[:dp + 1], np.concatenate([[1.0], v[dp + 1:]])

    def error(v):
        p, q = split(v)
        return (np.polyval(p[::-1], s) / np.polyval(q[::-1], s) - target) * x

    a = np.hstack([np.vander(s, dp + 1, increasing=True),
                   -(target[:, None] * np.vander(s, dq + 1, increasing=True)[:, 1:])])
    v = np.linalg.lstsq(a, target, rcond=None)[0]
    v = least_squares(error, v, method="lm").x
    for power in (4, 8, 16):
        v = least_squares(lambda w: np.abs(error(w)) ** (power / 2) * np.sign(error(w)), v,
                          method="trf", x_scale="jac", max_nfev=2000).x
    p, q = split(v)
    scale = float(limit) ** 2
    p_t = (p / scale ** np.arange(dp + 1)).astype(np.float32)   # coefficients in t = x²
    q_t = (q / scale ** np.arange(dq + 1)).astype(np.float32)

    xs = np.linspace(-limit, limit, 400001).astype(np.float32)
    t = xs * xs
    numerator, denominator = np.float32(0), np.float32(0)
    for c in p_t[::-1]:
        numerator = (numerator * t + c).astype(np.float32)
    for c in q_t[::-1]:
        denominator = (denominator * t + c).astype(np.float32)
    approx = (xs * numerator / denominator).astype(np.float64)
    float32_error = np.abs(approx - function(xs.astype(np.float64))).max()
    return p_t, q_t, np.abs(error(v)).max(), float32_error


def main():
    for name, function, limit in (("erf", erf, 4.0), ("tanh", np.tanh, 9.0)):
        p, q, exact_error, float32_error = fit(function, limit, 5, 5)
        print(f"{name}: |x| <= {limit}, float64 error {exact_error:.2e}, float32 error {float32_error:.2e}")
        print("  numerator (t^0 first):  ", ", ".join(f"{c:.9e}" for c in p))
        print("  denominator (t^0 first):", ", ".join(f"{c:.9e}" for c in q))


if __name__ == "__main__":
    main()
