"""Evaluation against hand-annotated gold sets (statements: ``undertow.evaluation.statements``)."""
