"""Benchmarks of gpuplace against the plain formulation a user would write (``make bench``).

``python -m bench.run --out BENCHMARKS.md`` runs every target in fresh worker
processes (``bench.worker``), writes ``bench/results/<target>.csv`` and a
section per target into BENCHMARKS.md.
"""
