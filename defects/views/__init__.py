"""Portal pages of defects and requirements. Thin views (docs/architecture.md §layers.views):
validate a form, call one service or selector, render; state changes only on POST. The
record pages' actions are declared once in ``defects/actions.py`` (docs/architecture.md
§action-layer)."""
