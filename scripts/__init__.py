"""Operator and CI scripts (load and fault runs, smoke helpers). Not imported by the application."""
