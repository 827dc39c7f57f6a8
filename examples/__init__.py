"""Runnable examples: a page on one origin calling a flask_corsx API on another.

Start one with ``bash scripts/example.sh NAME``, or all of them behind an index page with
``bash scripts/example.sh`` (see README.md in this folder).
"""
