"""Worked example: gradient descent and a gradient check, on a quadratic bowl.

f(w) = 0.5 w.A w - b.w has gradient A w - b and its minimum where A w = b. Gradient descent repeats
w <- w - lr * grad(w). The learning rate decides everything: too small crawls, too large diverges
(here above 2 / largest eigenvalue of A). Before trusting a hand-derived gradient, compare it with
central finite differences.

Run: python docs/examples/01_numpy/gradient_descent.py
"""

from collections.abc import Callable

import numpy as np

A = np.array([[3.0, 0.5], [0.5, 1.0]])  # symmetric positive definite: one minimum
b = np.array([1.0, -2.0])
LEARNING_RATES = (0.05, 0.3, 0.6, 0.7)


def loss(w: np.ndarray) -> float:
    return float(0.5 * w @ A @ w - b @ w)


def gradient(w: np.ndarray) -> np.ndarray:
    return A @ w - b


def numerical_gradient(
    f: Callable[[np.ndarray], float], w: np.ndarray, eps: float = 1e-6
) -> np.ndarray:
    """Central differences, one coordinate at a time: slow, simple, and hard to get wrong."""
    grad = np.zeros_like(w)
    for k in range(len(w)):
        step = np.zeros_like(w)
        step[k] = eps
        grad[k] = (f(w + step) - f(w - step)) / (2 * eps)
    return grad


def descend(lr: float, n_iters: int = 50) -> list[float]:
    """Losses of gradient descent from w = 0: the starting loss, then one per update."""
    w = np.zeros(2)
    losses = [loss(w)]
    for _ in range(n_iters):
        w = w - lr * gradient(w)
        losses.append(loss(w))
    return losses


def main() -> None:
    w_probe = np.array([0.3, -0.7])
    print("analytic gradient:", gradient(w_probe))
    print("numerical gradient:", numerical_gradient(loss, w_probe).round(6))
    print(
        "gradient check passes:",
        np.allclose(gradient(w_probe), numerical_gradient(loss, w_probe), atol=1e-6),
    )

    best = loss(np.linalg.solve(A, b))  # reference only: the point of descent is not to solve
    largest = np.linalg.eigvalsh(A).max()  # the largest eigenvalue of A
    print(f"largest stable learning rate: 2 / {largest:.3f} = {2 / largest:.3f}")
    for lr in LEARNING_RATES:
        gap = descend(lr)[-1] - best
        print(f"lr={lr:<4}  loss - best after 50 steps: {gap:.2e}")


if __name__ == "__main__":
    main()
