"""The statements gold set and its scorer (``undertow.evaluation.statements``)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from undertow.evaluation.statements import (
    FIELDS,
    MODES,
    GoldItem,
    GoldStatement,
    format_report,
    load_gold,
    locate,
    main,
    parse_gold_item,
    score,
)

GOLD_PATH = Path(__file__).parent / "data" / "statements_gold.jsonl"
GOLD = load_gold(GOLD_PATH)
BY_ID = {g.id: g for g in GOLD}


def pred_of(s: GoldStatement, **changes: Any) -> dict[str, Any]:
    """The record-contract statement that reproduces a gold statement exactly."""
    d: dict[str, Any] = {
        "speaker": {"actor_id": s.speaker_id, "start": s.speaker.start, "end": s.speaker.end},
        "cue": {"start": s.cue.start, "end": s.cue.end, "text": s.cue_text}
        if s.cue
        else {"start": None, "end": None, "text": ""},
        "content": {"start": s.content.start, "end": s.content.end, "text": s.content_text},
        "kind": s.kind,
        "medium": s.medium,
        "said": {"start": s.said[0], "end": s.said[1]} if s.said else None,
    }
    d.update(changes)
    return d


def perfect(items: list[GoldItem], optional: bool = True) -> dict[str, list[dict[str, Any]]]:
    return {i.id: [pred_of(s) for s in i.statements if optional or not s.optional] for i in items}


# --------------------------------------------------------------------------- the gold file


def test_gold_size_and_languages() -> None:
    assert len(GOLD) >= 120
    langs = Counter(g.lang for g in GOLD)
    assert langs["en"] >= 80
    assert langs["ru"] >= 20
    assert langs["uk"] >= 20
    assert set(langs) == {"en", "ru", "uk"}


def test_gold_every_phenomenon_used_twice() -> None:
    tags = Counter(t for g in GOLD for t in g.phenomena)
    rare = {t: n for t, n in tags.items() if n < 2}
    assert not rare
    for needed in (
        "quote-first",
        "speaker-first",
        "multi-sentence-quote",
        "quote-straight",
        "quote-curly",
        "quote-guillemets",
        "quote-low-high",
        "quote-single",
        "dialogue-dash",
        "mixed-quote",
        "that-clause",
        "no-complementizer",
        "according-to",
        "spokesperson",
        "passive",
        "cognition",
        "intention",
        "collective-speaker",
        "role-description",
        "pronoun",
        "nested",
        "medium",
        "said-date",
        "no-statement",
        "analysis",
        "generic-analysts",
        "event-not-speech",
        "non-attributive-verb",
        "inflected-name",
        "non-war-topic",
        "unnamed-source",
    ):
        assert tags[needed] >= 2, needed


def test_gold_substrings_are_what_the_file_says() -> None:
    lines = [json.loads(x) for x in GOLD_PATH.read_text(encoding="utf-8").splitlines() if x.strip()]
    assert [r["id"] for r in lines] == [g.id for g in GOLD]
    for raw, item in zip(lines, GOLD, strict=True):
        assert 1 <= len(item.text) <= 400, item.id
        for rs, gs in zip(raw["statements"], item.statements, strict=True):
            assert gs.speaker_text == rs["speaker"]
            assert gs.content_text == rs["content"]
            assert gs.cue_text == rs["cue"]
            assert item.text[gs.content.start : gs.content.end] == rs["content"]


def test_gold_negatives_and_kinds() -> None:
    negatives = [g for g in GOLD if not g.statements]
    assert len(negatives) >= 15
    assert all("no-statement" in g.phenomena for g in negatives)
    kinds = Counter(s.kind for g in GOLD for s in g.statements)
    assert min(kinds[k] for k in ("direct", "indirect", "mixed")) >= 20
    # direct content never keeps its quote marks or a trailing comma
    for g in GOLD:
        for s in g.statements:
            if s.kind == "direct":
                assert s.content_text[0] not in "\"“„«‘'", g.id
                assert s.content_text[-1] not in "\"”“»’',", g.id


def test_gold_seed_ids_follow_registry_slugs() -> None:
    ids = {s.speaker_id for g in GOLD for s in g.statements}
    assert {"sergei-lavrov", "dmitry-peskov", "russian-officials", "western-governments"} <= ids
    assert None in ids  # unregistrable speakers ("witnesses")


# --------------------------------------------------------------------------- loading errors


def _item(**over: Any) -> dict[str, Any]:
    base = {
        "id": "t-1",
        "lang": "en",
        "published": "2026-02-05",
        "text": "Peskov said the talks were useful. He said them twice.",
        "statements": [
            {
                "speaker": "Peskov",
                "speaker_id": "dmitry-peskov",
                "cue": "said",
                "content": "the talks were useful",
                "kind": "indirect",
                "said": None,
                "medium": None,
                "occurrence": 1,
            }
        ],
        "phenomena": ["reported"],
    }
    base.update(over)
    return base


def test_load_gold_names_item_and_field(tmp_path: Path) -> None:
    bad = _item()
    bad["statements"][0]["content"] = "the talks were useless"
    p = tmp_path / "g.jsonl"
    p.write_text(json.dumps(_item(id="ok")) + "\n" + json.dumps(bad) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"t-1.*content"):
        load_gold(p)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kind": "quoted"}, "kind"),
        ({"speaker_id": "Dmitry Peskov"}, "slug"),
        ({"said": "Wednesday"}, "ISO"),
        ({"cue_occurrence": 3}, "cue"),
        ({"speaker": ""}, "speaker"),
    ],
)
def test_parse_gold_item_rejects(change: dict[str, Any], message: str) -> None:
    raw = _item()
    raw["statements"][0].update(change)
    with pytest.raises(ValueError, match=message):
        parse_gold_item(raw)


def test_duplicate_ids_rejected(tmp_path: Path) -> None:
    p = tmp_path / "g.jsonl"
    p.write_text(json.dumps(_item()) + "\n" + json.dumps(_item()) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="duplicate"):
        load_gold(p)


def test_locate_counts_occurrences_at_word_boundaries() -> None:
    text = "Each of them survived torture, he said. He said it again."
    he = locate(text, "he")
    assert he is not None and text[he.start - 1] == " "
    said2 = locate(text, "said", 2)
    assert said2 is not None and said2.start > text.index("He said")
    assert locate(text, "said", 3) is None


def test_occurrence_in_gold_item() -> None:
    raw = _item()
    raw["statements"][0] = {
        **raw["statements"][0],
        "speaker": "He",
        "cue": "said",
        "cue_occurrence": 2,
        "content": "them twice",
        "kind": "indirect",
    }
    item = parse_gold_item(raw)
    s = item.statements[0]
    assert s.cue is not None and s.cue.start == item.text.index("He said") + 3


# --------------------------------------------------------------------------- scoring


def _all(result: dict[str, Any], metric: str) -> set[float]:
    return {result[m][f][metric] for m in MODES for f in FIELDS}


def test_perfect_predictions_score_one() -> None:
    r = score(GOLD, perfect(GOLD))
    assert _all(r, "f1") == {1.0}
    assert r["kind_accuracy"] == r["medium_accuracy"] == r["said_accuracy"] == 1.0
    assert r["negative_items"] == r["negative_items_without_predictions"] >= 15
    for lang in ("en", "ru", "uk"):
        assert r["by_language"][lang]["overlap"]["statement"]["f1"] == 1.0
    report = format_report(r)
    assert "speaker_id" in report and "ru" in report and "dialogue-dash" in report


def test_empty_predictions_have_zero_recall() -> None:
    r = score(GOLD, {})
    assert _all(r, "recall") == {0.0}
    assert r["statements"]["predicted"] == 0
    # optional (nested inner) statements do not count when nobody predicts them
    required = sum(1 for g in GOLD for s in g.statements if not s.optional)
    assert r["statements"]["gold"] == required
    assert r["kind_accuracy"] is None
    assert "negative items" in format_report(r)


def test_missing_optional_inner_statement_is_not_penalised() -> None:
    nested = [g for g in GOLD if any(s.optional for s in g.statements)]
    assert nested
    r = score(nested, perfect(nested, optional=False))
    assert r["overlap"]["statement"]["recall"] == 1.0
    assert r["overlap"]["statement"]["precision"] == 1.0


def test_shifted_content_fails_exact_passes_overlap() -> None:
    item = BY_ID["en-001"]  # "... said on Wednesday that the talks in Abu Dhabi were useful."
    s = item.statements[0]
    shifted = pred_of(s, content={"start": s.content.start - 5, "end": s.content.end + 1, "text": ""})
    assert item.text[s.content.start - 5 : s.content.end + 1] == "that the talks in Abu Dhabi were useful."
    r = score([item], {item.id: [shifted]})
    assert r["exact"]["content"]["f1"] == 0.0
    assert r["overlap"]["content"]["f1"] == 1.0
    assert r["exact"]["speaker"]["f1"] == 1.0
    assert r["exact"]["statement"]["f1"] == 0.0
    assert r["overlap"]["statement"]["f1"] == 1.0


def test_overlap_needs_half_of_both_spans() -> None:
    item = BY_ID["en-001"]
    s = item.statements[0]
    # the whole sentence: gold tokens all inside, but they are under half of the prediction's
    whole = pred_of(s, content={"start": 0, "end": len(item.text), "text": item.text})
    r = score([item], {item.id: [whole]})
    assert r["statements"]["aligned"] == 1
    assert r["overlap"]["content"]["recall"] == 0.0
    # two words of six: under half of the gold span
    few = pred_of(s, content={"start": s.content.start, "end": s.content.start + 9, "text": "the talks"})
    assert score([item], {item.id: [few]})["overlap"]["content"]["recall"] == 0.0


def test_wrong_speaker_id_but_right_span() -> None:
    item = BY_ID["en-004"]  # "The Kremlin spokesman said ..." -> dmitry-peskov
    s = item.statements[0]
    p = pred_of(s, speaker={"actor_id": "kremlin", "start": s.speaker.start, "end": s.speaker.end})
    r = score([item], {item.id: [p]})
    assert r["exact"]["speaker_id"]["f1"] == 0.0
    assert r["exact"]["speaker_span"]["f1"] == 1.0
    assert r["exact"]["speaker"]["f1"] == 1.0


def test_speaker_id_accepted_without_span() -> None:
    item = BY_ID["en-011"]  # "She said ..." -> maria-zakharova
    s = item.statements[0]
    p = pred_of(s, speaker={"actor_id": "maria-zakharova", "start": 0, "end": 14})  # "Maria Zakharova"
    r = score([item], {item.id: [p]})
    assert r["exact"]["speaker_span"]["f1"] == 0.0
    assert r["exact"]["speaker_id"]["f1"] == 1.0
    assert r["exact"]["speaker"]["f1"] == 1.0
    wrong = pred_of(s, speaker={"actor_id": "dmitry-peskov", "start": None, "end": None})
    assert score([item], {item.id: [wrong]})["overlap"]["speaker"]["f1"] == 0.0


def test_unregistrable_speaker_accepts_no_id_or_provisional() -> None:
    item = BY_ID["en-019"]  # "Witnesses said ..." -> speaker_id null
    s = item.statements[0]
    none = pred_of(s, speaker={"actor_id": None, "start": None, "end": None})
    prov = pred_of(s, speaker={"actor_id": "witnesses", "provisional": True, "start": None, "end": None})
    named = pred_of(s, speaker={"actor_id": "witnesses", "start": None, "end": None})
    assert score([item], {item.id: [none]})["exact"]["speaker_id"]["f1"] == 1.0
    assert score([item], {item.id: [prov]})["exact"]["speaker_id"]["f1"] == 1.0
    assert score([item], {item.id: [named]})["exact"]["speaker_id"]["f1"] == 0.0


def test_extra_predictions_lower_precision() -> None:
    items = [BY_ID["en-001"], BY_ID["en-006"]]  # one statement; one analysis passage without any
    preds = perfect(items)
    neg = BY_ID["en-006"]
    preds["en-006"] = [
        {
            "speaker": {"actor_id": "kremlin", "start": 0, "end": 6},
            "cue": {"start": 21, "end": 28, "text": "reflect"},
            "content": {"start": 29, "end": len(neg.text) - 1, "text": ""},
            "kind": "indirect",
        }
    ]
    r = score(items, preds)
    assert r["overlap"]["statement"]["recall"] == 1.0
    assert r["overlap"]["statement"]["precision"] == 0.5
    assert r["negative_items_without_predictions"] == 0


def test_kind_medium_said_accuracy() -> None:
    item = BY_ID["en-005"]  # mixed, medium rt, said on Tuesday
    s = item.statements[0]
    p = pred_of(s, kind="direct", medium=None, said={"start": "2026-02-18", "end": "2026-02-18"})
    r = score([item], {item.id: [p]})
    assert r["kind_accuracy"] == r["medium_accuracy"] == r["said_accuracy"] == 0.0
    assert r["exact"]["statement"]["f1"] == 1.0


def test_split_quotes_align_one_to_one() -> None:
    item = BY_ID["en-054"]  # one quote split by "Zelensky said"
    first, second = item.statements
    # a system that keeps the first half only: half the recall, full precision
    r = score([item], {item.id: [pred_of(first)]})
    assert r["exact"]["statement"]["recall"] == 0.5
    assert r["exact"]["statement"]["precision"] == 1.0
    # order of predictions does not matter
    r2 = score([item], {item.id: [pred_of(second), pred_of(first)]})
    assert r2["exact"]["statement"]["f1"] == 1.0


def test_offsets_into_a_different_text_are_carried_over() -> None:
    item = BY_ID["ru-004"]
    prefix = "Заголовок\n\n"
    preds = []
    for s in item.statements:
        d = pred_of(s)
        for k in ("speaker", "cue", "content"):
            d[k] = {**d[k], "start": d[k]["start"] + len(prefix), "end": d[k]["end"] + len(prefix)}
        preds.append(d)
    r = score([item], {item.id: preds}, texts={item.id: prefix + item.text})
    assert r["exact"]["statement"]["f1"] == 1.0
    assert r["exact"]["cue"]["f1"] == 1.0


def test_unknown_prediction_ids_are_reported() -> None:
    r = score(GOLD[:3], {"nope": []})
    assert r["unknown_ids"] == ["nope"]


# --------------------------------------------------------------------------- command line


def test_main_reads_record_contract_jsonl(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    gold_file = tmp_path / "gold.jsonl"
    items = GOLD[:4]
    gold_file.write_text(
        "".join(GOLD_PATH.read_text(encoding="utf-8").splitlines(keepends=True)[:4]), encoding="utf-8"
    )
    lines = []
    for n, item in enumerate(items, 1):
        rec: dict[str, Any] = {
            "document": {"source": f"{gold_file}:{n}", "text": item.text},
            "actors": [],
            "statements": [pred_of(s) for s in item.statements],
        }
        if n == 2:  # identified by gold_id instead of the source location
            rec["document"]["source"] = "elsewhere"
            rec["gold_id"] = item.id
        lines.append(json.dumps(rec, ensure_ascii=False))
    lines.append(json.dumps({"document": {"source": "stray.txt", "text": "nothing"}, "statements": []}))
    pred_file = tmp_path / "pred.jsonl"
    pred_file.write_text("\n".join(lines) + "\n", encoding="utf-8")

    assert main(["--gold", str(gold_file), "--pred", str(pred_file)]) == 0
    captured = capsys.readouterr()
    assert "statement" in captured.out and "1.000" in captured.out
    assert "matches no gold item" in captured.err

    assert main(["--gold", str(gold_file), "--pred", str(pred_file), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["exact"]["statement"]["f1"] == 1.0
    assert result["unmatched_records"] == [f"{pred_file}:5"]


def test_main_reports_bad_gold(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "gold.jsonl"
    bad.write_text("{not json\n", encoding="utf-8")
    pred = tmp_path / "pred.jsonl"
    pred.write_text("", encoding="utf-8")
    assert main(["--gold", str(bad), "--pred", str(pred)]) == 2
    assert "invalid JSON" in capsys.readouterr().err


# --------------------------------------------------------------------------- properties


def _span_st(n: int) -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(
        st.none(),
        st.tuples(st.integers(-2, n + 2), st.integers(-2, n + 2)).map(
            lambda t: {"start": min(t), "end": max(t), "text": ""}
        ),
        st.just({"start": None, "end": None}),
    )


@st.composite
def _predictions(draw: st.DrawFn) -> tuple[list[GoldItem], dict[str, list[dict[str, Any]]]]:
    items = draw(st.lists(st.sampled_from(GOLD), min_size=1, max_size=6, unique_by=lambda g: g.id))
    ids = ["sergei-lavrov", "dmitry-peskov", "kremlin", None]
    preds: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        n = len(item.text)
        out = []
        for _ in range(draw(st.integers(0, 4))):
            if item.statements and draw(st.booleans()):
                out.append(pred_of(draw(st.sampled_from(item.statements))))
                continue
            speaker = draw(_span_st(n)) or {}
            speaker = {**speaker, "actor_id": draw(st.sampled_from(ids))}
            out.append(
                {
                    "speaker": speaker,
                    "cue": draw(_span_st(n)),
                    "content": draw(_span_st(n)),
                    "kind": draw(st.sampled_from(["direct", "indirect", "mixed", None])),
                    "medium": draw(st.sampled_from(["rt", None])),
                    "said": None,
                }
            )
        preds[item.id] = out
    return items, preds


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_predictions())
def test_scores_always_within_unit_interval(
    case: tuple[list[GoldItem], dict[str, list[dict[str, Any]]]],
) -> None:
    items, preds = case
    r = score(items, preds)
    for part in [r, *r["by_language"].values(), *r["by_phenomenon"].values()]:
        for m in MODES:
            for f in FIELDS:
                row = part[m][f]
                for metric in ("precision", "recall", "f1"):
                    assert 0.0 <= row[metric] <= 1.0
                assert row["tp"] <= min(part["statements"]["gold"], part["statements"]["predicted"])
        for acc in ("kind_accuracy", "medium_accuracy", "said_accuracy"):
            assert part[acc] is None or 0.0 <= part[acc] <= 1.0
    format_report(r)
