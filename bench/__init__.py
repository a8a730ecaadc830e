"""Benchmarks: `make bench-pdf` times the risk-list PDF (bench/pdf.py)."""
