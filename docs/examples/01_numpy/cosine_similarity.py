"""Worked example: every pair at once with one matrix product, on cosine similarity.

The cosine similarity of rows a and b is a.b / (|a| |b|). Normalise every row to length 1 first,
and all n x m similarities are a single product A_unit @ B_unit.T, with no (n, m, d) array.

Run: python docs/examples/01_numpy/cosine_similarity.py
"""

import numpy as np


def cosine_similarity_loop(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    out = np.empty((len(A), len(B)))
    for i, a in enumerate(A):
        for j, b in enumerate(B):
            out[i, j] = a @ b / (np.linalg.norm(a) * np.linalg.norm(b))
    return out


def cosine_similarity(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    A_unit = A / np.linalg.norm(A, axis=1, keepdims=True)  # (n, d), rows of length 1
    B_unit = B / np.linalg.norm(B, axis=1, keepdims=True)  # (m, d)
    sims = A_unit @ B_unit.T  # (n, m): every dot product in one call
    return np.clip(sims, -1.0, 1.0)  # round-off can give 1.0000000000000002


def main() -> None:
    rng = np.random.default_rng(7)
    users = rng.normal(size=(4, 16))  # 4 user embeddings
    items = rng.normal(size=(6, 16))  # 6 item embeddings

    sims = cosine_similarity(users, items)
    print("similarities shape:", sims.shape)
    print("matches the double loop:", np.allclose(sims, cosine_similarity_loop(users, items)))
    print("best item per user:", sims.argmax(axis=1))
    print("a row with itself:", cosine_similarity(users[:1], users[:1]).item())

    # Memory: the broadcast route A[:, None, :] * B[None, :, :] materialises n * m * d floats.
    n, m, d = 10_000, 10_000, 512
    print(
        f"(n, m) result: {n * m * 8 / 1e9:.1f} GB; "
        f"an (n, m, d) intermediate: {n * m * d * 8 / 1e9:.0f} GB"
    )


if __name__ == "__main__":
    main()
