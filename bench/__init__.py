"""kb's benchmark suite: `python -m bench` (see `bench/__main__.py` for the options).

Every figure is measured in one run on one machine and stated beside a baseline measured in the
same run: SQLite FTS5 and tantivy for search and indexing, a bare FastAPI endpoint for HTTP.
Nothing here asserts a time; tests/bench only proves the suite runs.
"""
