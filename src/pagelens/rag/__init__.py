"""Answering with cited pages: the agent loop (`agent.ask`, `agent.iter_ask`) and its parts.

rewrite.py (follow-ups, decomposition) -> evidence.py (pages in hand) -> extractive.py (scoring, the
offline answerer, abstention) -> backends.py (openai_compat.py, transformers_vlm.py) -> citations.py
(labels validated against the pages shown).
"""
