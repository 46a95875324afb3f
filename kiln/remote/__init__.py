"""Remote backends: send image items to a hosted API (Replicate, any OpenAI-compatible server, another kiln).

Torch-free: provider workers run on machines without a GPU.
"""
