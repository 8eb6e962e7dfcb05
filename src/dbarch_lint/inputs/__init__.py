"""Finding and reading the input files, the configuration, `--diff-base`."""
