"""The ruleset format: YAML layers -> validated models -> merged -> compiled IR."""

from intervene_rules.ruleset.ruleset import Ruleset, list_rulesets, load_ruleset, write_bundle

__all__ = ["Ruleset", "list_rulesets", "load_ruleset", "write_bundle"]
