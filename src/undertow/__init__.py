"""undertow: who said what, when, about which issue, with which framing."""

__version__ = "0.1.0"
