"""Track: how the record moves over time.

``track.update`` folds newly stored statements into the dynamics state (daily counts, the
first-seen registry, candidate-narrative clusters) and returns the days it touched;
``alerts.evaluate`` runs the YAML alert rules on those days only, so adding a day of documents
costs time in proportion to that day. ``series``, ``firstseen``, ``spread``, ``bursts``,
``shifts`` and ``discover`` answer the analyst's questions from that state; ``deliver`` sends
alerts out (Atom, webhooks). See docs/dynamics.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def refresh(store: Any, rules: str | Path | None = None) -> tuple[Any, list[dict[str, Any]]]:
    """Fold new statements into the dynamics state and run the alert rules on the days they
    touched. Returns the track result and the new alerts."""
    from undertow.dynamics.alerts import evaluate
    from undertow.dynamics.rules import load_rules
    from undertow.dynamics.track import update_state

    loaded = load_rules(rules)  # validate the rules before changing anything
    res = update_state(store)
    return res, evaluate(store, res.days, loaded)
