"""Workers: the loops that take items, run them through the engine and store what they make."""
