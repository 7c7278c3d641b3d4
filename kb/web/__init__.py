"""kb's HTTP layer (FastAPI): routers per resource, one dependency module, one error table."""
