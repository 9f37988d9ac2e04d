"""Report: ISW-style daily briefs built from the store, every sentence cited (``brief.py``)."""
