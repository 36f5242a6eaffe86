"""Griffe extension for the docs build: a pydantic field's description becomes its docstring.

The models document their fields with ``Field(description=...)`` so that JSON Schema and the
docs share one text. Griffe reads source statically and does not know that convention, so
this extension copies a literal ``description`` into the attribute's docstring (when the
attribute has no docstring of its own). Loaded from ``mkdocs.yml``; not part of the package.
"""

from __future__ import annotations

import ast
from typing import Any

import griffe


def _description(value: ast.expr | None) -> str | None:
    if not isinstance(value, ast.Call):
        return None
    func = value.func
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
    if name != "Field":
        return None
    for keyword in value.keywords:
        if keyword.arg == "description":
            try:
                text = ast.literal_eval(keyword.value)
            except ValueError:
                return None
            return text if isinstance(text, str) else None
    return None


class FieldDescriptions(griffe.Extension):
    """Use ``Field(description=...)`` as the docstring of a class attribute."""

    def on_attribute_instance(
        self,
        *,
        node: ast.AST | griffe.ObjectNode,
        attr: griffe.Attribute,
        agent: griffe.Visitor | griffe.Inspector,
        **kwargs: Any,
    ) -> None:
        """Give `attr` the literal description of its `Field(...)`, if it has no docstring."""
        if attr.docstring is not None or not isinstance(node, ast.AnnAssign | ast.Assign):
            return
        text = _description(node.value)
        if text:
            attr.docstring = griffe.Docstring(text, parent=attr)
