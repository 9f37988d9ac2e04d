"""Alert rules from YAML (``data/alerts.yaml`` by default), validated on load: an unknown type
or parameter is an error naming the file and the rule."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from undertow.errors import DataFileError
from undertow.knowledge.loader import Slug, data_path, load_yaml_model

RuleType = Literal[
    "new_narrative", "burst", "first_adoption", "stance_shift", "amplification", "official_echo"
]


@dataclass(frozen=True)
class NewNarrativeParams:
    lookback_days: int = 60
    window_days: int = 3
    min_statements: int = 2
    min_documents: int = 2
    min_confidence: float = 0.7
    max_prior: int = 1
    prior_min_confidence: float = 0.5  # a weaker sighting before still makes the line not new
    cue_confirmed: bool = True  # labels with cues: sightings need one of the cues in the sentence
    max_habitual_share: float = 0.5
    min_history_days: int = 7
    levels: tuple[str, ...] = ("narrative", "subnarrative")


@dataclass(frozen=True)
class BurstParams:
    baseline_days: int = 28
    min_documents: int = 3
    min_surprise: float = 3.0
    min_ratio: float = 4.0
    min_confidence: float = 0.7
    cooldown_days: int = 7
    min_history_days: int = 7


@dataclass(frozen=True)
class FirstAdoptionParams:
    within_days: int = 14
    lookback_days: int = 60  # the actor must not have voiced the line in this many days before
    min_confidence: float = 0.7
    actor_kinds: tuple[str, ...] = ("person",)
    registered_only: bool = True
    same_country: bool = True  # the adopter and the line's originator are of the same country


@dataclass(frozen=True)
class StanceShiftParams:
    lookback_days: int = 60
    recent_days: int = 3
    min_before: int = 2
    min_after: int = 1
    min_after_weight: float = 0.8  # summed confidence of the statements after the change
    min_consistency: float = 0.75
    min_delta: float = 1.0
    min_confidence: float = 0.0


@dataclass(frozen=True)
class AmplificationParams:
    window_days: int = 3
    min_outlets: int = 4
    min_languages: int = 2
    prior_days: int = 30
    max_prior_outlets: int = 1
    min_confidence: float = 0.7
    cooldown_days: int = 30
    min_history_days: int = 7


@dataclass(frozen=True)
class OfficialEchoParams:
    window_days: int = 2
    prior_days: int = 30
    min_confidence: float = 0.7
    cooldown_days: int = 30
    min_history_days: int = 7


PARAMS: dict[str, type] = {
    "new_narrative": NewNarrativeParams,
    "burst": BurstParams,
    "first_adoption": FirstAdoptionParams,
    "stance_shift": StanceShiftParams,
    "amplification": AmplificationParams,
    "official_echo": OfficialEchoParams,
}


class RuleSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Slug
    type: RuleType
    enabled: bool = True
    params: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _known_params(self) -> RuleSpec:
        cls = PARAMS[self.type]
        names = {f.name for f in fields(cls)}
        unknown = set(self.params) - names
        if unknown:
            raise ValueError(
                f"rule {self.id!r}: unknown parameter(s) {', '.join(sorted(unknown))} "
                f"for type {self.type} (known: {', '.join(sorted(names))})"
            )
        return self


class RulesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = 1
    rules: list[RuleSpec]

    @model_validator(mode="after")
    def _unique(self) -> RulesFile:
        ids = [r.id for r in self.rules]
        dup = {i for i in ids if ids.count(i) > 1}
        if dup:
            raise ValueError(f"duplicate rule id(s) {', '.join(sorted(dup))}")
        return self


@dataclass(frozen=True)
class Rule:
    id: str
    type: str
    params: Any = field(compare=False)


def load_rules(path: str | Path | None = None) -> list[Rule]:
    """The enabled rules of a rules file (the shipped ``alerts.yaml`` when ``path`` is None)."""
    p = Path(path) if path else data_path("alerts.yaml")
    spec = load_yaml_model(p, RulesFile)
    out = []
    for r in spec.rules:
        if not r.enabled:
            continue
        cls = PARAMS[r.type]
        kw = {k: tuple(v) if isinstance(v, list) else v for k, v in r.params.items()}
        try:
            out.append(Rule(r.id, r.type, cls(**kw)))
        except TypeError as exc:
            raise DataFileError(str(p), f"rule {r.id!r}: {exc}") from exc
    return out
