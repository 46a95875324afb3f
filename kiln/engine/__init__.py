"""Generation: model families and catalog, loading, the batched executor. The only package that imports torch,
and only in its loading and execution modules: `families`, `catalog`, `batcher` and `tokens` stay torch-free."""
