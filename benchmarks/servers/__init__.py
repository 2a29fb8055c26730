"""Alternative WSGI servers for the local sandbox, measured apart from `make bench` (see bench.py)."""
