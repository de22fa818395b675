"""Shared DRF plumbing: the exception handler, role permissions, CSV/XLSX export, field helpers."""
