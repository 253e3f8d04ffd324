"""Worked example: who sees the canary? Stable buckets, not Python's hash().

A canary sends a small share of users to the new model. The same user must land on the same side
in every process (the router has many workers, and a restart must not reshuffle anyone), the
share must be what was asked for, and raising the share must only add users, never swap them.

This example buckets 100,000 users of an A/B test on a *pricing page* (a neighbour of the
exercise's canary) three ways and measures each property:

1. `hash(key) % 100`: Python salts `hash()` of a string per process (PYTHONHASHSEED), so two
   workers disagree about most users;
2. one byte of a digest, modulo 100: stable, but 256 values do not split evenly into 100;
3. 64 bits of a keyed BLAKE2b digest compared with a threshold: stable, even, monotone.

Run: python docs/examples/14_cicd/stable_buckets.py   (about 2 s)
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

N_USERS = 100_000
SHARE = 5  # percent of users in the treatment


def python_hash_buckets(seed: str, n: int) -> list[int]:
    """`hash(f"user-{i}") % 100` for i < n, computed in a fresh process with PYTHONHASHSEED=seed."""
    code = f"print(' '.join(str(hash(f'user-{{i}}') % 100) for i in range({n})))"
    env = {**os.environ, "PYTHONHASHSEED": seed}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return [int(b) for b in out.stdout.split()]


def digest(key: str, salt: str) -> bytes:
    return hashlib.blake2b(key.encode(), key=salt.encode(), digest_size=8).digest()


def one_byte_bucket(key: str, salt: str) -> int:
    return digest(key, salt)[0] % 100  # 0..255 folded onto 0..99: 0..55 three ways, 56..99 two


def in_treatment(key: str, percent: float, salt: str) -> bool:
    value = int.from_bytes(digest(key, salt), "big")  # uniform on [0, 2**64)
    return value < round(percent / 100 * 2**64)


def main() -> None:
    users = [f"user-{i}" for i in range(N_USERS)]

    a, b = python_hash_buckets("1", 10_000), python_hash_buckets("2", 10_000)
    moved = sum((x < SHARE) != (y < SHARE) for x, y in zip(a, b, strict=True))
    print(
        f"hash() in two processes: {sum(x < SHARE for x in a)} and {sum(y < SHARE for y in b)} "
        f"of 10,000 users treated; {moved} users switch sides"
    )

    treated = sum(one_byte_bucket(u, "pricing-2026") < SHARE for u in users)
    print(
        f"one byte modulo 100: {treated / N_USERS:.2%} treated for {SHARE}% asked "
        f"(bias: 3 of 256 values per bucket below 56, so {3 * SHARE / 256:.2%})"
    )

    treated = [u for u in users if in_treatment(u, SHARE, "pricing-2026")]
    print(f"64 bits against a threshold: {len(treated) / N_USERS:.2%} treated for {SHARE}% asked")
    wider = {u for u in users if in_treatment(u, 2 * SHARE, "pricing-2026")}
    print(
        f"raised to {2 * SHARE}%: {len(wider):,} treated; users of the {SHARE}% still in: "
        f"{sum(u in wider for u in treated):,} of {len(treated):,}"
    )
    other = {u for u in users if in_treatment(u, SHARE, "pricing-2027")}
    print(
        f"a new salt (a new experiment): {len(other):,} treated, "
        f"{len(other & set(treated)):,} of them treated before too (about {SHARE}% by chance)"
    )


if __name__ == "__main__":
    main()
