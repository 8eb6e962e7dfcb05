"""Family package."""

RULES: tuple[type, ...] = ()
