"""Evaluators over the rule IR, the decision table, and the one merge that builds decisions."""
