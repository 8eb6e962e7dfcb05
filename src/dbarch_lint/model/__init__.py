"""The model every layer shares: the IR, source text and spans, findings, errors.

It imports nothing of dbarch-lint's own.
"""
