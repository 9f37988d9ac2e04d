"""What a text says about the age of a line: "new" ("began advancing claims", "впервые") or
"habitual" ("have consistently labeled", "неоднократно"). Cues are data
(``data/lexicons/aspect.yaml``); the first-seen registry uses them beside the store's history."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, field_validator

from undertow.knowledge.loader import data_path, load_yaml_model
from undertow.narratives.taxonomy import compile_cue

Aspect = Literal["new", "habitual"]

__all__ = ["Aspect", "AspectLexicon", "aspect_of", "load_aspect_lexicon"]


class AspectLexicon(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = 1
    new: dict[str, list[str]]
    habitual: dict[str, list[str]]

    @field_validator("new", "habitual")
    @classmethod
    def _compiles(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        for phrases in v.values():
            for p in phrases:
                compile_cue(p)  # raises ValueError with the phrase
        return v

    def patterns(self, kind: Aspect, lang: str | None) -> list[re.Pattern[str]]:
        table = self.new if kind == "new" else self.habitual
        langs = [lang] if lang in table else list(table)  # unknown language: try them all
        return [compile_cue(p) for g in langs for p in table[g]]


@lru_cache(maxsize=4)
def load_aspect_lexicon(path: str | None = None) -> AspectLexicon:
    return load_yaml_model(Path(path) if path else data_path("lexicons/aspect.yaml"), AspectLexicon)


@lru_cache(maxsize=8)
def _compiled(lang: str | None) -> tuple[list[re.Pattern[str]], list[re.Pattern[str]]]:
    lex = load_aspect_lexicon()
    return lex.patterns("new", lang), lex.patterns("habitual", lang)


def aspect_of(text: str, lang: str | None = None) -> Aspect | None:
    """ "habitual" when the text says the claim is old or repeated, else "new" when it says the
    claim is new, else None. Habitual wins: "once again began claiming" is not new."""
    new, habitual = _compiled(lang)
    if any(p.search(text) for p in habitual):
        return "habitual"
    if any(p.search(text) for p in new):
        return "new"
    return None
