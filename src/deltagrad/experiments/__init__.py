"""Experiments: functions that run the chapter's computations and return plain data (no printing,
no plotting)."""
