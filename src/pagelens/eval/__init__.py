"""Retrieval evaluation: dataset loader (`dataset`), metrics (`metrics`), the runner (`run`)."""

from .run import EvalReport, eval_command, format_report, run_eval

__all__ = ["EvalReport", "eval_command", "format_report", "run_eval"]
