"""Post-incident review: each observer's actual responses judged against each duty, in time.

`review(ruleset, timeline, responses)` → `Review`: per observer and duty, when it arose
(the event, the rules and their sources), whether and when it was met, how late, and
whether within what the ruleset requires, by the law of the incident's date. Decision
support, not a finding of liability or misconduct; every output says so first.
"""

from intervene_rules.review.model import Response, Responses, load_responses
from intervene_rules.review.run import DutyReview, Review, review

__all__ = ["DutyReview", "Response", "Responses", "Review", "load_responses", "review"]
