"""Errors that name the input they concern and the reason, for one-line reports."""

from __future__ import annotations


class UndertowError(Exception):
    """Base class for errors raised by undertow's public API."""


class InputError(UndertowError):
    """An input (file, URL, feed, JSONL line) could not be used.

    ``source`` names the input as the user gave it; ``reason`` says why in a few words.
    """

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason

    def __reduce__(self) -> tuple[type[InputError], tuple[str, str]]:  # picklable across processes
        return (type(self), (self.source, self.reason))


class DataFileError(UndertowError):
    """A knowledge file under data/ (or a user's YAML) failed validation."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason

    def __reduce__(self) -> tuple[type[DataFileError], tuple[str, str]]:
        return (type(self), (self.path, self.reason))
