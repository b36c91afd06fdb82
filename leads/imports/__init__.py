"""Importing leads from an Excel (.xlsx) or CSV file.

- `reading`: the file as a header row and a stream of rows (never the whole sheet in memory).
- `encodings`: a CSV's encoding, recognised or chosen, and the check that it is clean in it.
- `limits`: the caps checked before a file is parsed or stored (an .xlsx's zip directory,
  headers, cells, rows).
- `mapping`: which column is which field, guessed from Polish or English headers.
- `rows`: one row as an inquiry, checked by the intake's own form and normalisation.
- `check`: the dry run over all rows (counts and per-row errors).
- `run`: the import itself, in chunks, resumable (see its docstring).
- `batch`: a chunk of rows received as `lead_receive` would, with one insert per table.
- `clients`: an import of clients instead of leads (rows, dry run, run).
- `rejected`: the .xlsx of the rejected rows with their errors.
"""
