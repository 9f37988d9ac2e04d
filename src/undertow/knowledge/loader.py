"""Load and validate versioned YAML knowledge files (outlets, actors, issues, taxonomies)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from undertow.errors import DataFileError

M = TypeVar("M", bound=BaseModel)


def data_path(name: str) -> Path:
    """Path of a file shipped in ``undertow/data``."""
    return Path(str(resources.files("undertow") / "data" / name))


def load_yaml_model(path: str | Path, model: type[M]) -> M:
    """Read ``path`` and validate it against ``model``; errors name the file and the field."""
    p = Path(path)
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DataFileError(str(p), f"cannot read: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise DataFileError(str(p), f"not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise DataFileError(str(p), "expected a mapping at the top level")
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first["loc"])
        raise DataFileError(str(p), f"{where}: {first['msg']} ({exc.error_count()} error(s))") from exc
