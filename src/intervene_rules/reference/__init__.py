"""Reference pages generated from rulesets: one page per ruleset, and the comparison page.

Documentation, not analysis: reads the compiled program and the declared sources, never the
YAML, so the pages say what the library will actually do. The docs build calls this
(docs/hooks), so the pages cannot drift from the rulesets. Nothing in the library imports it.
"""

from intervene_rules.reference.matrix import (
    QUESTIONS,
    STANDARD_SITUATIONS,
    comparison_matrix,
    key_answers,
    situation_cell,
    standard_situation,
)
from intervene_rules.reference.pages import ANCHOR, condition_text, ruleset_page

__all__ = [
    "ANCHOR",
    "QUESTIONS",
    "STANDARD_SITUATIONS",
    "comparison_matrix",
    "condition_text",
    "key_answers",
    "ruleset_page",
    "situation_cell",
    "standard_situation",
]
