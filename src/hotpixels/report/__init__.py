"""Reports of results: text tables and summaries for the terminal (``text``), and the
self-contained HTML report (``html``, with ``figures`` and ``crops``)."""
