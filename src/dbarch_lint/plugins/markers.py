"""The hook markers: what a plugin decorates its hooks with (`@hookimpl`). A leaf: it imports
nothing of dbarch-lint's own, so every layer's built-in plugin module may use it."""

from __future__ import annotations

import pluggy

PROJECT = "dbarch_lint"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)
