"""Narrative taxonomies: two-level YAML files (narrative -> sub-narrative), validated on load.

The format is described for users in ``docs/taxonomy.md``. The loader is deliberately forgiving
about *shape* (a user file with only labels and one-line descriptions works; so do a mapping of
narrative label -> list of sub-narrative labels, and the SemEval-style ``{"URW": {...}}`` nesting)
and strict about *content* (duplicate ids, empty labels, malformed cues fail with the file named).

A node whose label is "Other" is not scored: it stands for "the parent narrative is present but no
listed sub-narrative fits" and is emitted only in that case.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from undertow.errors import DataFileError
from undertow.knowledge.loader import data_path, read_yaml

__all__ = [
    "SHIPPED",
    "Node",
    "Taxonomy",
    "compile_cue",
    "load_taxonomies",
    "load_taxonomy",
    "shipped_taxonomy",
    "slugify",
]

#: Taxonomies shipped in ``undertow/data/taxonomies`` (name -> file name).
SHIPPED = {"war-rhetoric": "war-rhetoric.yaml", "semeval-urw": "semeval-urw.yaml"}

_POLARITIES = ("favor", "against", "neutral")
_OTHER = re.compile(r"^(?:.*:)?\s*other\s*$", re.IGNORECASE)  # "Other", "URW: Hidden plots: Other"


def slugify(text: str) -> str:
    """A lower-case slug: "Ukraine is a puppet of the West" -> "ukraine-is-a-puppet-of-the-west"."""
    t = unicodedata.normalize("NFKC", text).lower().replace("’", "").replace("'", "")
    t = re.sub(r"[^\w]+", "-", t, flags=re.UNICODE).strip("-_")
    return re.sub(r"[-_]+", "-", t) or "node"


@lru_cache(maxsize=16384)
def compile_cue(phrase: str) -> re.Pattern[str]:
    """A cue phrase as a word-bounded, case-insensitive pattern. ``*`` ends a word prefix:
    ``"нацист*"`` matches "нацистов", ``"kiev* regime"`` matches "Kievan regime"; spaces match any
    run of non-word characters ("neo-nazi" matches "neo nazi")."""
    words = [w for w in re.split(r"[\s\-]+", phrase.strip()) if w]
    if not words:
        raise ValueError("empty cue")
    parts = []
    for w in words:
        if w.endswith("*"):
            core = w.rstrip("*")
            if not core:
                raise ValueError(f"cue {phrase!r}: a lone '*' is not a word")
            parts.append(re.escape(core) + r"\w*")
        else:
            parts.append(re.escape(w))
    return re.compile(r"(?<!\w)" + r"[\W_]+".join(parts) + r"(?!\w)", re.IGNORECASE | re.UNICODE)


@dataclass(slots=True)
class Node:
    """One narrative or sub-narrative."""

    id: str
    label: str
    description: str = ""
    parent: str | None = None  # the narrative id of a sub-narrative
    examples: list[str] = field(default_factory=list)
    negative_examples: list[str] = field(default_factory=list)
    cues: dict[str, list[str]] = field(default_factory=dict)  # language ("*" = any) -> phrases
    issues: dict[str, str | None] = field(default_factory=dict)  # issue id -> implied polarity
    is_other: bool = False

    @property
    def level(self) -> str:
        return "narrative" if self.parent is None else "subnarrative"

    def cue_patterns(self) -> list[tuple[str, re.Pattern[str]]]:
        return [(lang, compile_cue(c)) for lang, cs in self.cues.items() for c in cs]


@dataclass
class Taxonomy:
    id: str
    name: str
    nodes: list[Node]
    description: str = ""
    version: str = "1"
    source: str = ""

    def __post_init__(self) -> None:
        self._by_id = {n.id: n for n in self.nodes}

    def __getitem__(self, node_id: str) -> Node:
        return self._by_id[node_id]

    def get(self, node_id: str) -> Node | None:
        return self._by_id.get(node_id)

    @property
    def narratives(self) -> list[Node]:
        return [n for n in self.nodes if n.parent is None]

    def children(self, node_id: str) -> list[Node]:
        return [n for n in self.nodes if n.parent == node_id]

    def other_child(self, node_id: str) -> Node | None:
        return next((n for n in self.children(node_id) if n.is_other), None)

    def resolve(self, name: str, parent: str | None = None) -> Node | None:
        """The node a gold-label string names: its id, its label, or its label after a
        "DOMAIN: " prefix, compared case- and punctuation-insensitively."""
        key = _norm(name)
        pool = self.nodes if parent is None else self.children(parent)
        for n in pool:
            if key in (_norm(n.id), _norm(n.label)) or _norm(_strip_domain(n.label)) == key:
                return n
        stripped = _norm(_strip_domain(name))
        for n in pool:
            if stripped in (_norm(n.id), _norm(_strip_domain(n.label))):
                return n
        return None

    def __len__(self) -> int:
        return len(self.nodes)

    def __iter__(self) -> Iterator[Node]:
        return iter(self.nodes)


def _norm(s: str) -> str:
    s = unicodedata.normalize("NFKC", s).lower().replace("’", "'")
    return re.sub(r"[\W_]+", " ", s).strip()


def _strip_domain(label: str) -> str:
    m = re.match(r"^\s*[A-Z]{2,5}\s*:\s*(.+)$", label)
    return m.group(1) if m else label


def short_label(node: Node, tax: Taxonomy) -> str:
    """A node's own words: without a "URW: " domain and, for a sub-narrative written as a full path
    ("URW: Discrediting Ukraine: Ukraine is a puppet of the West"), without its narrative's label."""
    label = _strip_domain(node.label)
    parent = tax.get(node.parent) if node.parent else None
    if parent is not None:
        prefix = _strip_domain(parent.label)
        if _norm(label).startswith(_norm(prefix) + " ") and ":" in label:
            label = label.split(":")[-1].strip()
    return label


# --- loading -----------------------------------------------------------------------------------

_CHILD_KEYS = ("subnarratives", "sub_narratives", "sub-narratives", "subs", "children", "subnarrative")
_LABEL_KEYS = ("label", "name", "title")
_DESC_KEYS = ("description", "desc", "definition")
_POS_KEYS = ("examples", "positive_examples", "positives", "example")
_NEG_KEYS = ("negative_examples", "negatives", "counter_examples", "counterexamples")
_CUE_KEYS = ("cues", "keywords", "key_phrases")
_KNOWN = {"id", *_CHILD_KEYS, *_LABEL_KEYS, *_DESC_KEYS, *_POS_KEYS, *_NEG_KEYS, *_CUE_KEYS, "issues"}


class _Builder:
    def __init__(self, source: str) -> None:
        self.source = source
        self.nodes: list[Node] = []
        self.ids: set[str] = set()

    def fail(self, where: str, msg: str) -> DataFileError:
        return DataFileError(self.source, f"{where}: {msg}")

    def add(self, raw: Any, where: str, parent: Node | None, key_label: str | None = None) -> None:
        if isinstance(raw, str):
            raw = {"label": raw}
        elif isinstance(raw, list) and key_label is not None:  # "label: [sub, sub]"
            raw = {"subnarratives": raw}
        elif raw is None and key_label is not None:
            raw = {}
        if not isinstance(raw, dict):
            raise self.fail(where, f"expected a mapping or a label string, got {type(raw).__name__}")
        unknown = set(raw) - _KNOWN
        if unknown:
            raise self.fail(where, f"unknown field(s) {', '.join(sorted(map(str, unknown)))}")
        label = _first(raw, _LABEL_KEYS) or key_label
        node_id = raw.get("id")
        if node_id is not None and not isinstance(node_id, str | int):
            raise self.fail(where, "id must be a string")
        node_id = str(node_id).strip() if node_id is not None else None
        if not label and not node_id:
            raise self.fail(where, "a node needs an id or a label")
        label = str(label).strip() if label else node_id.replace("-", " ").replace("_", " ").capitalize()  # type: ignore[union-attr]
        is_other = bool(_OTHER.match(label))
        if not node_id:
            node_id = slugify(label)
            if is_other and parent is not None:
                node_id = f"{parent.id}-other"
            elif node_id in self.ids and parent is not None:
                node_id = f"{parent.id}--{node_id}"
        if any(c.isspace() for c in node_id):
            raise self.fail(where, f"id {node_id!r} must not contain spaces")
        if node_id in self.ids:
            raise self.fail(where, f"duplicate id {node_id!r}")
        self.ids.add(node_id)
        description = _first(raw, _DESC_KEYS) or ""
        if not isinstance(description, str):
            raise self.fail(where, "description must be a string")
        node = Node(
            id=node_id,
            label=label,
            description=" ".join(description.split()),
            parent=parent.id if parent else None,
            examples=self._sentences(_first(raw, _POS_KEYS), f"{where}.examples"),
            negative_examples=self._sentences(_first(raw, _NEG_KEYS), f"{where}.negative_examples"),
            cues=self._cues(_first(raw, _CUE_KEYS), f"{where}.cues"),
            issues=self._issues(raw.get("issues"), f"{where}.issues"),
            is_other=is_other,
        )
        self.nodes.append(node)
        children = _first(raw, _CHILD_KEYS)
        if children is None:
            return
        if parent is not None:
            raise self.fail(where, "a sub-narrative cannot have sub-narratives (two levels only)")
        try:
            kids = _items(children)
        except TypeError as exc:  # subnarratives: false, 3, ...
            raise self.fail(f"{where}.subnarratives", f"expected a list or a mapping, got {exc}") from exc
        for i, (child, child_label) in enumerate(kids):
            self.add(child, f"{where}.subnarratives[{i}]", node, child_label)

    def _sentences(self, raw: Any, where: str) -> list[str]:
        if raw is None:
            return []
        if isinstance(raw, str):
            raw = [raw]
        if isinstance(raw, dict):  # per language
            raw = [s for v in raw.values() for s in (v if isinstance(v, list) else [v])]
        if not isinstance(raw, list) or not all(isinstance(s, str) and s.strip() for s in raw):
            raise self.fail(where, "expected a list of non-empty sentences")
        return [" ".join(s.split()) for s in raw]

    def _cues(self, raw: Any, where: str) -> dict[str, list[str]]:
        if raw is None:
            return {}
        if isinstance(raw, list | str):
            raw = {"*": raw}
        if not isinstance(raw, dict):
            raise self.fail(where, "expected a list of phrases or a mapping language -> phrases")
        out: dict[str, list[str]] = {}
        for lang, phrases in raw.items():
            phrases = [phrases] if isinstance(phrases, str) else phrases
            if not isinstance(phrases, list):
                raise self.fail(f"{where}.{lang}", "expected a list of phrases")
            for p in phrases:
                try:
                    compile_cue(str(p))
                except ValueError as exc:
                    raise self.fail(f"{where}.{lang}", str(exc)) from exc
            out[str(lang)] = [str(p) for p in phrases]
        return out

    def _issues(self, raw: Any, where: str) -> dict[str, str | None]:
        """``[issue-id, ...]``, ``["issue-id: against"]`` or ``{issue-id: against}``."""
        if raw is None:
            return {}
        items: Iterable[tuple[str, Any]]
        if isinstance(raw, dict):
            items = raw.items()
        elif isinstance(raw, list):
            pairs = []
            for x in raw:
                if isinstance(x, dict):
                    pairs.extend(x.items())
                else:
                    k, _, v = str(x).partition(":")
                    pairs.append((k.strip(), v.strip() or None))
            items = pairs
        else:
            raise self.fail(where, "expected a list of issue ids or a mapping issue -> polarity")
        out: dict[str, str | None] = {}
        for k, v in items:
            if v is not None and v not in _POLARITIES:
                raise self.fail(where, f"polarity {v!r} of {k!r} must be one of {', '.join(_POLARITIES)}")
            out[str(k)] = v
        return out


def _is_domain(v: Any) -> bool:
    """{"Discrediting Ukraine": [...], ...}: a domain's narratives, not one node's fields."""
    return (
        isinstance(v, dict)
        and bool(v)
        and not (set(map(str, v)) & _KNOWN)
        and all(isinstance(x, list | dict) or x is None for x in v.values())
    )


def _first(raw: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for k in keys:
        if k in raw:
            return raw[k]
    return None


def _items(raw: Any) -> list[tuple[Any, str | None]]:
    """Children given as a list of nodes/labels, or as a mapping label -> node/description/list."""
    if isinstance(raw, list):
        return [(x, None) for x in raw]
    if isinstance(raw, dict):
        out = []
        for k, v in raw.items():
            if isinstance(v, str):  # "label: one-line description"
                out.append(({"label": str(k), "description": v}, None))
            else:
                out.append((v, str(k)))
        return out
    raise TypeError(type(raw).__name__)


def load_taxonomy(path: str | Path) -> Taxonomy:
    """Read a taxonomy file (YAML or JSON); errors name the file and the node."""
    p = Path(path)
    if str(path) in SHIPPED:  # "--taxonomy war-rhetoric"
        p = data_path(f"taxonomies/{SHIPPED[str(path)]}")
    return parse_taxonomy(read_yaml(p), source=str(p), default_id=slugify(p.stem))


def parse_taxonomy(raw: Any, source: str = "<taxonomy>", default_id: str = "taxonomy") -> Taxonomy:
    b = _Builder(source)
    if isinstance(raw, list):
        raw = {"narratives": raw}
    if not isinstance(raw, dict):
        raise DataFileError(source, "expected a mapping (with 'narratives') or a list of narratives")
    meta_keys = {"version", "taxonomy", "id", "name", "description", "narratives", "languages", "domain"}
    if "narratives" in raw:
        unknown = set(raw) - meta_keys
        if unknown:
            raise DataFileError(source, f"unknown top-level field(s) {', '.join(sorted(map(str, unknown)))}")
        narratives = raw["narratives"]
        domain = raw.get("domain")
        meta = raw
    else:  # a bare mapping: narrative label -> subs, or domain -> {narrative label -> subs}, ...
        meta = {}
        narratives = raw
        domain = None
    # (domain, narratives) blocks: a mapping whose values all look like {label: subs} is domains
    if (
        not isinstance(narratives, dict)
        or not narratives
        or not all(_is_domain(v) for v in narratives.values())
    ):
        blocks = [(domain, narratives)]
    else:
        blocks = [(str(k), v) for k, v in narratives.items()]
    if not any(n for _, n in blocks):
        raise DataFileError(source, "no narratives")
    i = 0
    for dom, block in blocks:
        try:
            entries = _items(block)
        except TypeError as exc:
            raise DataFileError(source, f"narratives: expected a list or a mapping, got {exc}") from exc
        for node, key_label in entries:
            if dom and key_label and not key_label.startswith(f"{dom}:"):
                key_label = f"{dom}: {key_label}"
            b.add(node, f"narratives[{i}]", None, key_label)
            i += 1
    tax_id = str(meta.get("taxonomy") or meta.get("id") or default_id)
    if not re.match(r"^[\w.-]+$", tax_id):
        raise DataFileError(source, f"taxonomy id {tax_id!r} must be a slug")
    for n in b.nodes:
        if n.parent is None and n.is_other:
            raise DataFileError(
                source, "'Other' cannot be a narrative: a document with no narrative gets none"
            )
    tax = Taxonomy(
        id=tax_id,
        name=str(meta.get("name") or tax_id),
        nodes=b.nodes,
        description=" ".join(str(meta.get("description") or "").split()),
        version=str(meta.get("version") or "1"),
        source=source,
    )
    for n in tax.nodes:
        _PARSED[(tax.id, n.id)] = n
    return tax


_PARSED: dict[tuple[str, str], Node] = {}  # every node of every taxonomy parsed in this process


def known_node(taxonomy: str, node_id: str) -> Node | None:
    """A node of a taxonomy parsed in this process, or of a shipped one (statement labels name
    only the taxonomy and the node; this finds the node's parent and label)."""
    hit = _PARSED.get((taxonomy, node_id))
    if hit is None:
        for name in SHIPPED:
            t = shipped_taxonomy(name)
            if t.id == taxonomy:
                return t.get(node_id)
    return hit


@lru_cache(maxsize=8)
def shipped_taxonomy(name: str) -> Taxonomy:
    return load_taxonomy(data_path(f"taxonomies/{SHIPPED[name]}"))


def load_taxonomies(paths: Iterable[str | Path] | None) -> list[Taxonomy]:
    """The taxonomies named on the command line; the shipped ``war-rhetoric`` when none is."""
    paths = list(paths or [])
    if not paths:
        return [shipped_taxonomy("war-rhetoric")]
    out = [load_taxonomy(p) for p in paths]
    seen: set[str] = set()
    for t in out:
        if t.id in seen:
            raise DataFileError(t.source, f"two taxonomies share the id {t.id!r}")
        seen.add(t.id)
    return out
