"""Audit of use-of-force records: crosswalks, reading, evaluation at scale, the report.

Needs the `[audit]` extra (pyarrow); `import intervene_rules` never imports this package.
"""

from intervene_rules.audit.crosswalk import Crosswalk, list_crosswalks, load_crosswalk

__all__ = ["Crosswalk", "list_crosswalks", "load_crosswalk"]
