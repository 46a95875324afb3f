"""Request and response schemas of the HTTP API, apart from the domain types they are built from."""
