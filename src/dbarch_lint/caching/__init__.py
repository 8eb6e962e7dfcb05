"""The cache: a stdlib-only files module, the trusted cache folder, the store."""
