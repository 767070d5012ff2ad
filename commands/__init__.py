"""One module per CLI command; each exposes ``register(app)``. Logic lives in the packages."""

__all__: list[str] = []
