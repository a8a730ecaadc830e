"""How often one user may ask for something costly: a count per fixed window, in the shared cache."""

import time
from dataclasses import dataclass

from django.core.cache import cache


@dataclass(frozen=True)
class Allowance:
    allowed: bool
    retry_after: int  # seconds until the window turns, when not allowed


def take(scope, who, *, limit, seconds=60):
    """Count one request of `who` in `scope`; allowed while at most `limit` were made in this window.

    The cache is shared by every web process (settings.CACHES), so the count
    holds across them; a count that two processes raise at the same instant
    may slip by one, which a throttle can afford.
    """
    now = time.time()
    window = int(now // seconds)
    key = f"throttle:{scope}:{who}:{window}"
    cache.add(key, 0, timeout=seconds + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=seconds + 1)
        count = 1
    return Allowance(count <= limit, int((window + 1) * seconds - now) + 1)
