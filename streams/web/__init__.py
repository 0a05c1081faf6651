"""The worker's web side: /metrics, the ops console page and its JSON/SSE endpoints."""
