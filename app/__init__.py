"""MotCua Desk core: domain rules, local store, services and printing (never imports Qt)."""

__version__ = "0.1.0"
