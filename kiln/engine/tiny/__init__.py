"""Built-in tiny models: real diffusers pipelines with seeded random weights and offline tokenizers."""
