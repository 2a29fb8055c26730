"""Building a client assertion: ``pinghelpers.build_client_assertion`` vs bare ``jwt.encode`` with the same claims.

Both produce the identical token (checked), so the ratio is exactly what the helper's rule checks and claim
building add on top of PyJWT. Target: ≤ 1.2×.
"""

from __future__ import annotations

import jwt

from pinghelpers import build_client_assertion

from .common import Figure, interleaved, median

CLIENT_ID = "9d7b3c1e-2f4a-4b6c-8d0e-1a2b3c4d5e6f"
SECRET = "bench-only-secret-" + "x" * 46
AUDIENCE = "https://auth.pingone.com/3f1c6a52-8d3e-4b7a-9c0d-5a6e7f8a9b0c/as/token"
NOW = 1_800_000_000


def run(*, quick: bool = False) -> list[Figure]:
    claims = {"iss": CLIENT_ID, "sub": CLIENT_ID, "aud": AUDIENCE, "exp": NOW + 300}
    header = {"typ": "JWT", "alg": "HS256"}

    def bare() -> str:
        return jwt.encode(claims, SECRET, algorithm="HS256", headers=header, sort_headers=False)

    def ours() -> str:
        return build_client_assertion(CLIENT_ID, SECRET, AUDIENCE, now=NOW).token

    if bare() != ours():
        raise AssertionError("the two candidates do not build the same token; the comparison would be unfair")
    samples = interleaved({"jwt.encode": bare, "pinghelpers": ours}, rounds=10 if quick else 40, per_round=300)
    base, value = median(samples["jwt.encode"]) * 1e6, median(samples["pinghelpers"]) * 1e6
    return [
        Figure(
            "build a client assertion (HS256)",
            value,
            "µs",
            baseline=base,
            baseline_name="bare jwt.encode, same claims",
            target="≤ 1.2×",
            ok=value / base <= 1.2,
        )
    ]


if __name__ == "__main__":
    for figure in run():
        print(figure.line())
