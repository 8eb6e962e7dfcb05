"""A run from paths to result: preparing it, executing it, fixing."""
