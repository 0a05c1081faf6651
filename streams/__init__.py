"""Vigil: a streaming escalation pipeline for user safety and support reports."""
