"""Tools for testing rulesets (public; grows with the policy-team issue)."""
