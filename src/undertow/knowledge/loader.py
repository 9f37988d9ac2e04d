"""Load and validate versioned YAML knowledge files (outlets, actors, issues, taxonomies)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, TypeVar

import yaml
from pydantic import AfterValidator, BaseModel, ValidationError

from undertow.errors import DataFileError

M = TypeVar("M", bound=BaseModel)

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_COUNTRY = re.compile(r"^(?:[A-Z]{3}|INT)$")


def _check_slug(v: str) -> str:
    if not _SLUG.match(v):
        raise ValueError(f"id {v!r} must be a lower-case slug")
    return v


def _check_country(v: str | None) -> str | None:
    if v is not None and not _COUNTRY.match(v):
        raise ValueError(f"country {v!r} must be ISO 3166-1 alpha-3 or INT")
    return v


#: Field types shared by the knowledge files: a lower-case slug id, an ISO alpha-3 country (or INT).
Slug = Annotated[str, AfterValidator(_check_slug)]
CountryCode = Annotated[str | None, AfterValidator(_check_country)]


def data_path(name: str) -> Path:
    """Path of a file shipped in ``undertow/data``."""
    return Path(str(resources.files("undertow") / "data" / name))


#: libyaml's parser when PyYAML was built with it (the PyPI wheels are): the same documents as
#: ``yaml.SafeLoader``, about eight times faster (the outlet registry parses in ~45 ms instead of ~370).
_SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str) -> Any:
    """``yaml.safe_load`` with libyaml's parser where available."""
    return yaml.load(text, Loader=_SafeLoader)  # a safe loader: plain data types only


def read_yaml(path: str | Path) -> object:
    """The parsed contents of a YAML (or JSON) file; errors name the file."""
    p = Path(path)
    try:
        return safe_load(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DataFileError(str(p), f"cannot read: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise DataFileError(str(p), f"not valid YAML: {exc}") from exc


def read_jsonl(path: str | Path) -> Iterator[tuple[str, Any]]:
    """``(where, record)`` for each non-blank line of a JSONL file; ``where`` is "path:line".
    A line that is not JSON raises ``InputError`` naming the file and line."""
    from undertow.errors import InputError

    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(str(p), f"cannot read: {exc.strerror or exc}") from exc
    for n, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                yield f"{p}:{n}", json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{p}:{n}", f"invalid JSON: {exc.msg}") from exc


def load_yaml_model(path: str | Path, model: type[M]) -> M:
    """Read ``path`` and validate it against ``model``; errors name the file and the field."""
    p = Path(path)
    raw = read_yaml(p)
    if not isinstance(raw, dict):
        raise DataFileError(str(p), "expected a mapping at the top level")
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first["loc"])
        raise DataFileError(str(p), f"{where}: {first['msg']} ({exc.error_count()} error(s))") from exc
