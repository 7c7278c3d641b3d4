"""kb's search engine, a library: it knows nothing of HTTP."""
