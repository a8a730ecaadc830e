"""`python -m bench` (make bench) runs every benchmark: the map layer, patrol coverage, a register import, the risk-list PDF,
and Floodwatch at scale (100,000 generated hazards: map, API, pages, load test; bench/scale.py)."""

import subprocess
import sys

from bench import map_layers, patrol_coverage

if __name__ == "__main__":
    map_layers.main()
    print()
    patrol_coverage.main()
    print()
    # Each benchmark that builds its own test database runs in a fresh process.
    subprocess.run([sys.executable, "-m", "bench.imports"], check=True)
    print()
    # The PDF benchmark builds its own database and runs each case in a fresh process.
    subprocess.run([sys.executable, "-m", "bench.pdf"], check=True)
    print()
    # Scale: generates its hazards in a database of its own, then serves it to the load test (var/bench/*.json).
    subprocess.run([sys.executable, "-m", "bench.scale"], check=True)
