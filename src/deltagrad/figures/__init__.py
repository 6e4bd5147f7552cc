"""Matplotlib figures drawn from experiment data and written to files (Agg, no pyplot state)."""
