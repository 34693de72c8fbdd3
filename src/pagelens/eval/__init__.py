"""Retrieval evaluation: dataset loader (`dataset`), metrics (`metrics`), the runner (`run`)."""

from .run import EvalReport, format_report, run_eval

__all__ = ["EvalReport", "format_report", "run_eval"]
