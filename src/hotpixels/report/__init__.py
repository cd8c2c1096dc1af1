"""Reports of results: text tables and summaries for the terminal (``text``)."""
