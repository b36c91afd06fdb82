"""Writes on a person's data, one module per right (export, erasure)."""
