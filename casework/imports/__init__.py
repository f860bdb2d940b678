"""Importing the ledgers teams already keep (API.md, "Importing existing ledgers").

reading.py finds the tables and streams their rows, values.py reads one cell, checking.py checks a row,
writing.py stores one, ledger.py is the service that runs them (`ledger_import`).
"""
