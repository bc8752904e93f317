"""The pieces of benchmarks/peers.py: one module per benchmark row (lightgbm_row, ebm_row,
linear_row), the contenders and their timing, the peers' virtualenvs and worker, the report."""
