"""The plugin system: hook markers (a leaf), the hookspecs, the plugin host."""
