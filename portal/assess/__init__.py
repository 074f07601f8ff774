"""The readiness self-assessment on the web: answering, resuming, results, history and reports."""
