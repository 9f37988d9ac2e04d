"""Narrative and stance classification: the seed record, zero-shot behaviour, evaluation, training."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from conftest import SEED
from undertow.errors import DataFileError, InputError
from undertow.evaluation.narratives import load_gold, predicted_sets, samples_f1
from undertow.narratives.classify import NarrativeClassifier
from undertow.narratives.stance import StanceClassifier, aggregate
from undertow.narratives.taxonomy import parse_taxonomy
from undertow.records import DateRange, Document, NarrativeLabel, Span, StanceRef, Statement

PLAIN = {
    "taxonomy": "plain",
    "narratives": [
        {
            "label": "Nuclear escalation fears",
            "description": "The war could turn into a nuclear war between Russia and NATO.",
            "subnarratives": [
                {"label": "Nuclear weapons will be used", "description": "Russia will use atomic bombs."}
            ],
        },
        {
            "label": "Sanctions backfire",
            "description": "Sanctions on Russia hurt Europe's own economy more than Russia's.",
        },
    ],
}


@pytest.fixture(scope="module")
def plain() -> NarrativeClassifier:
    return NarrativeClassifier([parse_taxonomy(PLAIN, source="plain.yaml")], use_heads=False)


def doc(text: str, lang: str = "en", title: str | None = None) -> Document:
    return Document(source="t", text=text, language=lang, title=title)


def test_labels_and_descriptions_alone_classify_a_clear_document(plain: NarrativeClassifier) -> None:
    d = doc(
        "The foreign ministers met in Brussels on Tuesday.\n\n"
        "Europe's factories are closing because the sanctions against Moscow have made energy "
        "unaffordable, while Russia's economy keeps growing, the minister said.\n\n"
        "The meeting ended without a joint statement."
    )
    plain.classify_document(d)
    ids = [n.id for n in d.narratives]
    assert ids == ["sanctions-backfire"]
    (label,) = d.narratives
    assert 0.5 <= label.confidence <= 1.0
    (ev,) = label.evidence
    assert "sanctions against Moscow" in d.text[ev.start : ev.end]


def test_neutral_news_gets_no_narrative(plain: NarrativeClassifier) -> None:
    d = doc(
        "The ministry said 12 people were injured in the strike on Kharkiv.\n\n"
        "Rescue teams worked through the night, and the regional governor declared a day of mourning."
    )
    plain.classify_document(d)
    assert d.narratives == []


def test_russian_and_ukrainian_land_in_the_same_label(plain: NarrativeClassifier) -> None:
    ru = plain.classify_text("Эта война может перерасти в ядерную войну между Россией и НАТО.", "ru")["plain"]
    uk = plain.classify_text("Ця війна може перерости в ядерну війну між Росією та НАТО.", "uk")["plain"]
    assert "nuclear-escalation-fears" in {r.id for r in ru}
    assert "nuclear-escalation-fears" in {r.id for r in uk}


def test_statement_labels_carry_the_sub_narrative_and_its_narrative(plain: NarrativeClassifier) -> None:
    refs = plain.classify_text("Moscow will drop an atomic bomb on Kyiv if the war goes on.", "en")["plain"]
    assert [r.id for r in refs][:2] == ["nuclear-weapons-will-be-used", "nuclear-escalation-fears"]


# --- evaluation ------------------------------------------------------------------------------


def test_samples_f1_matches_the_definition() -> None:
    g = [frozenset({"a", "b"}), frozenset({"Other"})]
    p = [frozenset({"a"}), frozenset({"Other"})]
    assert samples_f1(g, p) == pytest.approx((2 * 1 / 3 + 1.0) / 2)


def test_gold_and_predictions_map_onto_the_taxonomy(tmp_path: Path) -> None:
    tax = parse_taxonomy(
        {"URW": {"Discrediting Ukraine": ["Ukraine is a puppet of the West"], "Hidden plots": ["Other"]}}
    )
    gold = tmp_path / "labels.tsv"
    gold.write_text(
        "d1\tURW: Discrediting Ukraine\tURW: Discrediting Ukraine: Ukraine is a puppet of the West\n"
        "d2\tURW: Hidden plots\tURW: Hidden plots: Other\n"
        "d3\tOther\tOther\n",
        encoding="utf-8",
    )
    g = load_gold(gold, tax)
    assert g["d1"].fine == {"ukraine-is-a-puppet-of-the-west"}
    assert g["d2"].fine == {"urw-hidden-plots:Other"} and g["d3"].coarse == {"Other"}
    # a predicted narrative without a sub-narrative is "narr: Other"; nothing predicted is Other
    pred = predicted_sets([NarrativeLabel("urw-hidden-plots", "URW: Hidden plots", tax.id)], tax)
    assert pred.fine == g["d2"].fine and pred.coarse == g["d2"].coarse
    assert predicted_sets([], tax) == g["d3"]
    bad = tmp_path / "bad.tsv"
    bad.write_text("d1\tURW: Praise of Mars\tOther\n", encoding="utf-8")
    with pytest.raises(InputError, match="Praise of Mars"):
        load_gold(bad, tax)


def test_full_path_sub_labels_borrow_examples_and_resolve_gold(tmp_path: Path) -> None:
    from undertow.narratives.classify import Params, borrow_examples

    tax = parse_taxonomy(
        {
            "narratives": [
                {
                    "label": "URW: Discrediting Ukraine",
                    "subnarratives": [
                        {"label": "URW: Discrediting Ukraine: Ukraine is a puppet of the West"},
                        {"label": "URW: Discrediting Ukraine: Other"},
                    ],
                }
            ]
        }
    )
    sub = "urw-discrediting-ukraine-ukraine-is-a-puppet-of-the-west"
    assert tax["urw-discrediting-ukraine-other"].is_other
    _, matched = borrow_examples(tax, Params())
    assert matched == {
        "urw-discrediting-ukraine": "discrediting-ukraine",
        sub: "ukraine-is-a-puppet-of-the-west",
    }
    gold = tmp_path / "labels.tsv"
    gold.write_text(
        "d1\tURW: Discrediting Ukraine\tURW: Discrediting Ukraine: Ukraine is a puppet of the West\n",
        encoding="utf-8",
    )
    assert load_gold(gold, tax)["d1"].fine == {sub}


def test_eval_narratives_command(tmp_path: Path) -> None:
    from undertow.cli import app

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a1.txt").write_text(
        "Sanctions hit Europe\n\nEurope's industry is collapsing because the sanctions on Russian gas "
        "made energy unaffordable, while Russia's economy keeps growing.",
        encoding="utf-8",
    )
    (docs / "a2.txt").write_text("Weather\n\nRain is expected in Lviv on Saturday.", encoding="utf-8")
    tax = tmp_path / "plain.yaml"
    tax.write_text(yaml.safe_dump(PLAIN), encoding="utf-8")
    gold = tmp_path / "labels.tsv"
    gold.write_text("a1\tSanctions backfire\tSanctions backfire: Other\na2\tOther\tOther\n", encoding="utf-8")
    res = CliRunner().invoke(
        app,
        ["eval", "narratives", "--taxonomy", str(tax), "--docs", str(docs), "--gold", str(gold), "--json"],
    )
    assert res.exit_code == 0, res.output
    scores = json.loads(res.output)["scores"]["all"]
    assert scores["docs"] == 2 and scores["coarse_f1"] == 1.0 and scores["fine_f1"] == 1.0


# --- training --------------------------------------------------------------------------------


def test_train_writes_a_head_that_is_used_and_refused_when_stale(tmp_path: Path) -> None:
    from undertow.cli import app
    from undertow.narratives.taxonomy import load_taxonomy
    from undertow.narratives.train import load_head

    tax = tmp_path / "plain.yaml"
    tax.write_text(yaml.safe_dump(PLAIN), encoding="utf-8")
    ex = tmp_path / "ex.jsonl"
    lines = [
        {"text": "Sanctions are ruining German industry, not Russia.", "labels": ["Sanctions backfire"]},
        {"text": "Europe pays for the sanctions with its own prosperity.", "labels": ["sanctions-backfire"]},
        {"text": "Putin may order a nuclear strike on Europe.", "labels": ["Nuclear weapons will be used"]},
        {"text": "The summit ended on Friday.", "labels": []},
        {"text": "The railway reopened after repairs.", "labels": ["Other"]},
    ]
    ex.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["train", "--taxonomy", str(tax), "--examples", str(ex)])
    assert res.exit_code == 0, res.output
    assert "trained on 5 examples" in res.output
    head_file = tmp_path / "plain.head.json"
    assert head_file.exists()
    head = load_head(load_taxonomy(tax))
    assert head is not None and head.examples == 5
    assert set(head.offsets) <= {
        "nuclear-escalation-fears",
        "nuclear-weapons-will-be-used",
        "sanctions-backfire",
    }
    assert NarrativeClassifier([load_taxonomy(tax)]).heads  # loaded with the taxonomy
    changed = dict(PLAIN, narratives=[*PLAIN["narratives"], {"label": "New line"}])
    tax.write_text(yaml.safe_dump(changed), encoding="utf-8")
    with pytest.raises(DataFileError, match="train again"):
        load_head(load_taxonomy(tax))


def test_train_rejects_unknown_labels(tmp_path: Path) -> None:
    from undertow.narratives.taxonomy import parse_taxonomy as parse
    from undertow.narratives.train import read_examples

    ex = tmp_path / "ex.jsonl"
    ex.write_text(json.dumps({"text": "x y z", "labels": ["Praise of Mars"]}) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="Praise of Mars"):
        read_examples(ex, parse(PLAIN))


# --- stances ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def stances() -> StanceClassifier:
    return StanceClassifier()


def test_negation_flips_a_polarity_cue(stances: StanceClassifier) -> None:
    assert stances.lexicon_score("Moscow rejects the proposal.", "en") < 0
    assert stances.lexicon_score("Moscow does not reject the proposal.", "en") > 0
    assert stances.lexicon_score("Москва не поддерживает это предложение.", "ru") < 0


@pytest.mark.parametrize(
    ("text", "lang", "issue", "polarity"),
    [
        (
            "Lavrov said any ceasefire before a final settlement would only let Kyiv rearm.",
            "en",
            "ceasefire-before-settlement",
            "against",
        ),
        (
            "Макрон заявил, что Европа готова направить войска на Украину для гарантий мира.",
            "ru",
            "foreign-troops-in-ukraine",
            "favor",
        ),
        ("Орбан закликав негайно скасувати санкції проти Росії.", "uk", "sanctions-relief", "favor"),
    ],
)
def test_statement_stances(
    stances: StanceClassifier, text: str, lang: str, issue: str, polarity: str
) -> None:
    refs = stances.statement_stances([text], lang)[0]
    assert refs and (refs[0].issue, refs[0].polarity) == (issue, polarity)


def test_stances_aggregate_per_speaker_issue_and_day() -> None:
    def st(i: str, pol: str, conf: float, day: dt.date | None) -> Statement:
        return Statement(
            id=i,
            speaker_actor_id="sergei-lavrov",
            speaker=None,
            cue=None,
            cue_text="",
            content=Span(0, 1),
            content_text="x",
            kind="direct",
            said=DateRange.day(day) if day else None,
            stances=[StanceRef("ceasefire-before-settlement", pol, conf)],  # type: ignore[arg-type]
        )

    d4 = dt.date(2026, 2, 4)
    out = aggregate(
        [st("a", "against", 0.9, d4), st("b", "against", 0.6, d4), st("c", "favor", 0.7, None)], d4
    )
    assert len(out) == 1  # an undated statement takes the publication day
    (s,) = out
    assert (s.polarity, s.statement_ids, s.date) == ("against", ["a", "b"], DateRange.day(d4))
    assert 0 < s.confidence < 0.9


# --- the seed record -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_record() -> dict:
    from undertow.ingest.sources import RawItem
    from undertow.pipeline import Pipeline, PipelineOptions

    if not SEED.exists():
        pytest.skip("../shared is not beside the checkout")
    pipe = Pipeline(PipelineOptions(default_published=dt.date(2026, 2, 5)))
    item = RawItem(source=str(SEED), data=SEED.read_bytes(), kind="text")
    return pipe.document(item).to_record()


@pytest.mark.shared
def test_seed_narratives_and_stances_are_found_with_evidence(seed_record: dict) -> None:
    expected = yaml.safe_load((SEED.parent / "000_9c6035b3240adb3a.expected.yaml").read_text())
    text = seed_record["document"]["text"]
    missing = []
    for exp in expected["statements"]:
        if not exp.get("narratives") and not exp.get("stance"):
            continue
        found = False
        for st in seed_record["statements"]:
            content = text[st["content"]["start"] : st["content"]["end"]].lower().replace("\u2019", "'")
            if st["speaker"]["actor_id"] != exp["speaker"] or not all(
                k.lower() in content for k in exp["key"]
            ):
                continue
            labels = {n["id"] for n in st["narratives"]}
            stance = {(s["issue"], s["polarity"]) for s in st["stances"]}
            want = exp.get("stance")
            if set(exp.get("narratives", [])) <= labels and (
                not want or (want["issue"], want["polarity"]) in stance
            ):
                found = True
        if not found:
            missing.append((exp["speaker"], exp["key"]))
    assert missing == []
    # and per speaker x issue in the document's aggregated stances
    agg = {(s["actor_id"], s["issue"], s["polarity"]) for s in seed_record["stances"]}
    for exp in expected["statements"]:
        if exp.get("stance"):
            assert (exp["speaker"], exp["stance"]["issue"], exp["stance"]["polarity"]) in agg
    # document-level narratives have evidence sentences from the body
    assert seed_record["narratives"]
    for n in seed_record["narratives"]:
        assert n["taxonomy"] == "war-rhetoric" and n["evidence"]
        for e in n["evidence"]:
            assert 0 <= e["start"] < e["end"] <= len(text)


def test_statements_command_filters_by_narrative_and_issue(tmp_path: Path) -> None:
    from undertow.cli import app

    src = tmp_path / "a.txt"
    src.write_text(
        "Lavrov on the truce\n\n"
        "Lavrov said any ceasefire before a final settlement would only let Kyiv rearm.\n",
        encoding="utf-8",
    )
    db = str(tmp_path / "n.db")
    runner = CliRunner()
    assert (
        runner.invoke(app, ["ingest", str(src), "--db", db, "-q", "--published", "2026-02-05"]).exit_code == 0
    )
    res = runner.invoke(
        app, ["statements", "--db", db, "--narrative", "ceasefire-lets-ukraine-rearm", "--format", "jsonl"]
    )
    rows = [json.loads(x) for x in res.output.splitlines()]
    assert [r["speaker"]["actor_id"] for r in rows] == ["sergei-lavrov"]
    res = runner.invoke(
        app, ["statements", "--db", db, "--issue", "ceasefire-before-settlement", "--format", "jsonl"]
    )
    assert len(res.output.splitlines()) == 1
    res = runner.invoke(app, ["statements", "--db", db, "--issue", "sanctions-relief", "--format", "jsonl"])
    assert res.output.strip() == ""
    table = runner.invoke(app, ["statements", "--db", db])
    assert table.exit_code == 0 and "1 statement(s)" in table.output


def test_a_multi_domain_taxonomy_labels_only_from_the_documents_domain() -> None:
    tax = parse_taxonomy(
        {
            "URW": {
                "Amplifying war-related fears": [
                    "There is a real possibility that nuclear weapons will be employed"
                ]
            },
            "CC": {
                "Amplifying Climate Fears": [
                    "Earth will be uninhabitable soon",
                    "Doomsday scenarios for humans",
                ]
            },
        }
    )
    assert [n.label for n in tax.narratives] == [
        "URW: Amplifying war-related fears",
        "CC: Amplifying Climate Fears",
    ]
    clf = NarrativeClassifier([tax], use_heads=False)
    d = doc(
        "Medvedev warned on Telegram that Western missiles striking Russia could lead to a nuclear "
        "catastrophe that would leave nothing of Europe.\n\n"
        "He said doomsday was closer than at any time since the Cuban missile crisis.\n\n"
        "NATO said it saw no change in Russia's nuclear posture."
    )
    clf.classify_document(d)
    labels = {n.label for n in d.narratives if n.parent is None}
    assert "CC: Amplifying Climate Fears" not in labels
    assert "URW: Amplifying war-related fears" in labels


def test_encodings_of_fixed_lists_are_cached_on_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np

    from undertow.narratives import embed

    monkeypatch.setenv("UNDERTOW_CACHE", str(tmp_path))
    texts = [f"Sentence number {i} about the talks in Geneva." for i in range(10)]
    first = embed.encode_cached(texts)
    files = list(tmp_path.glob("*.npy"))
    assert len(files) == 1
    for t in texts:
        embed._CACHE.pop(t, None)
    files[0].write_bytes(b"damaged")  # a broken file is recomputed, never trusted
    again = embed.encode_cached(texts)
    assert np.allclose(first, again) and np.load(files[0]).shape == (10, embed.DIM)
    monkeypatch.setenv("UNDERTOW_CACHE", "off")
    assert embed.cache_dir() is None


def test_train_examples_name_the_bad_line(tmp_path: Path) -> None:
    from undertow.narratives.train import read_examples

    ex = tmp_path / "ex.jsonl"
    ex.write_text(json.dumps({"text": "fine", "labels": []}) + "\n\n{not json\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"ex\.jsonl:3: invalid JSON"):
        read_examples(ex, parse_taxonomy(PLAIN))
