"""The dashboard and REST API (``undertow serve``): see ``docs/web.md``."""

from undertow.web.app import WebConfig, create_app

__all__ = ["WebConfig", "create_app"]
