"""Taxonomy files: shapes the loader accepts, errors it gives, and the shipped taxonomies."""

from __future__ import annotations

from pathlib import Path

import pytest

from undertow.errors import DataFileError
from undertow.narratives.taxonomy import (
    SHIPPED,
    compile_cue,
    load_taxonomies,
    load_taxonomy,
    parse_taxonomy,
    shipped_taxonomy,
    slugify,
)

SEED_IDS = {
    "security-guarantees-are-an-ultimatum",
    "ukraine-false-flag",
    "foreign-troops-are-legitimate-targets",
    "foreign-troops-risk-world-war",
    "ceasefire-lets-ukraine-rearm",
    "ukraine-must-be-neutral",
}


def test_labels_and_one_line_descriptions_are_enough(tmp_path: Path) -> None:
    f = tmp_path / "mine.yaml"
    f.write_text(
        "narratives:\n"
        "  - label: Peace now\n"
        "    description: Talks must start at once.\n"
        "    subnarratives:\n"
        "      - label: Ceasefire first\n"
        "        description: A truce must come before any talks.\n"
        "  - label: The West is weak\n",
        encoding="utf-8",
    )
    t = load_taxonomy(f)
    assert t.id == "mine"
    assert [n.id for n in t] == ["peace-now", "ceasefire-first", "the-west-is-weak"]
    assert t["ceasefire-first"].parent == "peace-now"
    assert t.children("peace-now")[0].description == "A truce must come before any talks."


def test_semeval_style_mapping_with_domain_and_other() -> None:
    t = parse_taxonomy(
        {"URW": {"Discrediting Ukraine": ["Ukraine is a puppet of the West"], "Hidden plots": ["Other"]}}
    )
    assert t.resolve("URW: Discrediting Ukraine") is t.resolve("discrediting ukraine")
    other = t.other_child(t.resolve("Hidden plots").id)  # type: ignore[union-attr]
    assert other is not None and other.is_other and other.label == "Other"


def test_mapping_of_label_to_description() -> None:
    t = parse_taxonomy(
        {"narratives": {"Peace now": {"description": "x", "subnarratives": {"Truce": "a truce"}}}}
    )
    assert t["truce"].description == "a truce" and t["truce"].parent == "peace-now"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"narratives": [{"id": "a"}, {"id": "a"}]}, "duplicate id 'a'"),
        ({"narratives": [{"label": "x", "colour": "red"}]}, "unknown field(s) colour"),
        (
            {"narratives": [{"label": "x", "subnarratives": [{"label": "y", "subnarratives": ["z"]}]}]},
            "two levels",
        ),
        ({"narratives": [{"label": "x", "cues": {"en": ["*"]}}]}, "lone '*'"),
        ({"narratives": [{"label": "x", "issues": {"ceasefire": "maybe"}}]}, "polarity 'maybe'"),
        ({"narratives": []}, "no narratives"),
        ({"narratives": ["Other"]}, "'Other' cannot be a narrative"),
    ],
)
def test_bad_files_name_the_problem(raw: dict, message: str) -> None:
    with pytest.raises(DataFileError) as exc:
        parse_taxonomy(raw, source="t.yaml")
    assert message in str(exc.value) and "t.yaml" in str(exc.value)


def test_unreadable_and_invalid_files(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="cannot read"):
        load_taxonomy(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("narratives: [\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="not valid YAML"):
        load_taxonomy(bad)


def test_issue_links_accept_three_spellings() -> None:
    t = parse_taxonomy(
        {
            "narratives": [
                {"label": "a", "issues": ["ceasefire"]},
                {"label": "b", "issues": ["ceasefire: against"]},
                {"label": "c", "issues": {"ceasefire": "favor"}},
            ]
        }
    )
    assert [n.issues for n in t] == [{"ceasefire": None}, {"ceasefire": "against"}, {"ceasefire": "favor"}]


def test_cues_match_word_prefixes_across_inflection() -> None:
    assert compile_cue("нацист*").search("украинские нацисты")
    assert compile_cue("neo-nazi*").search("so-called neo Nazis")
    assert not compile_cue("nazi*").search("Ghazi")
    assert compile_cue("kiev* regime").search("the KIEVAN regime")


def test_slugify() -> None:
    assert slugify("Rewriting Ukraine’s history") == "rewriting-ukraines-history"
    assert slugify("Diplomacy does/will not work") == "diplomacy-does-will-not-work"


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_shipped_taxonomies_load_with_examples(name: str) -> None:
    t = shipped_taxonomy(name)
    narratives = t.narratives
    subs = [n for n in t if n.parent]
    assert len(narratives) >= 10
    assert len(subs) >= 38
    for n in t:
        assert n.description, n.id
        assert len(n.examples) >= 5, n.id


def test_war_rhetoric_has_the_seed_ids_and_enough_nodes() -> None:
    t = shipped_taxonomy("war-rhetoric")
    assert {n.id for n in t} >= SEED_IDS
    assert len(t.narratives) >= 10 and len([n for n in t if n.parent]) >= 40


def test_semeval_label_names() -> None:
    t = shipped_taxonomy("semeval-urw")
    assert len(t.narratives) == 11 and len([n for n in t if n.parent]) == 38
    assert t.resolve("URW: Discrediting the West, Diplomacy") is not None
    assert t.resolve("Diplomacy does/will not work") is not None


def test_default_is_war_rhetoric_and_shipped_names_resolve() -> None:
    assert [t.id for t in load_taxonomies(None)] == ["war-rhetoric"]
    assert [t.id for t in load_taxonomies(["semeval-urw", "war-rhetoric"])] == ["semeval-urw", "war-rhetoric"]
