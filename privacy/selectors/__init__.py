"""Reads of a person's data, one module per right (export, erasure)."""
