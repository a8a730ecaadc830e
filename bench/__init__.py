"""Benchmarks: each figure printed beside a baseline measured in the same run."""

import functools
import os
import time


@functools.cache
def setup_django():
    """Django on a throw-away test database, so benchmarks never touch real data (made once a process)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "floodwatch.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_test_environment

    # A database of its own: the test suite reuses its test database (--reuse-db)
    # and would find the benchmark's 10,000 hazards in it.
    connection.settings_dict["TEST"]["NAME"] = (
        str(settings.BASE_DIR / "var" / "bench.sqlite3") if connection.vendor == "sqlite"
        else f"bench_{connection.settings_dict['NAME']}"
    )
    setup_test_environment()
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    return connection


def best_of(function, repeat=5):
    """The fastest of several runs, in milliseconds, and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best * 1000, result
