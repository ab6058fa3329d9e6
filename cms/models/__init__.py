"""The site shell's models: the home page, the accessibility statement and
the problems people report about accessibility."""

from .pages import AccessibilityStatementPage, HomePage
from .reports import AccessibilityReport

__all__ = ["AccessibilityReport", "AccessibilityStatementPage", "HomePage"]
