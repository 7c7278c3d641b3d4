"""Serving processes: uvicorn workers sharing one socket, and kb's HTTP protocol."""
