"""Jobs: what a user asks for, how it expands into items, and the durable store."""
