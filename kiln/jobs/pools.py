"""Worker pools: a worker started with `kiln worker --models a,b` (or `KILN_WORKER_MODELS=a,b`) serves only those
models, so models stay on the machines that hold them; a worker without it serves every model (as before).

- A pool's worker claims with `JobStore.claim(models=...)`: the names it was given, each model's location (what
  planned items carry: a folder's full path), and `""`, the model of a task that loads none (an assembly), which
  any worker can run.
- Its registry beat says so: `pool` (the names as given, sorted) and `serves` (those claim keys); neither, or
  null, means every model. `/readyz` and `/metrics` count live workers by `pool_name`.
- A provider worker (`kiln worker --backend openai`, `kiln.remote`) beats the pool `openai:*`, which serves every
  model of that namespace.
- A job with pending items whose model no live worker serves says so (`waiting_message`) instead of waiting
  silently: the API compares the job's waiting models with the live workers' `serves`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import PurePath
from typing import Any

from kiln.engine.catalog import resolve_model
from kiln.errors import InvalidInput
from kiln.jobs.workers import WorkerRecord
from kiln.remote.models import namespace_of

__all__ = [
    "ALL_MODELS",
    "NO_MODEL",
    "claim_keys",
    "parse_pool",
    "pool_counts",
    "pool_name",
    "served_by",
    "unserved_models",
    "waiting_message",
    "worker_pool",
]

ALL_MODELS = "*"  # the pool name of a worker that serves every model
NO_MODEL = ""  # the model of a task that loads none: every worker serves it
MAX_POOL_MODELS = 64
_MAX_NAME = 1000


def parse_pool(text: str, *, field: str = "models") -> tuple[str, ...]:
    """`a,b` → the model names, stripped, in order, without repeats; an empty list or name is refused."""
    names = list(dict.fromkeys(part.strip() for part in text.split(",")))
    if not names or "" in names:
        raise InvalidInput(field, f"{text!r} names an empty model; give model names separated by commas, e.g. tiny-sd")
    if len(names) > MAX_POOL_MODELS:
        raise InvalidInput(field, f"a pool holds at most {MAX_POOL_MODELS} models, not {len(names)}")
    for name in names:
        if len(name) > _MAX_NAME or any(ord(c) < 32 or c == "\x7f" for c in name):
            raise InvalidInput(field, f"{name[:80]!r} is not a model name (too long or has control characters)")
    return tuple(names)


def claim_keys(names: Sequence[str], *, field: str = "models") -> frozenset[str]:
    """What a pool of `names` claims: each name and its location (checked: an unknown model is refused, naming
    `field`, so a typo does not leave a worker idle for ever), and tasks that load no model."""
    keys = {NO_MODEL}
    for name in names:
        try:
            keys |= {name, resolve_model(name).location}
        except InvalidInput as exc:
            raise InvalidInput(field, exc.message) from exc
    return frozenset(keys)


def pool_name(pool: Sequence[str] | None) -> str:
    """A pool's label in `/readyz` and `/metrics`: its models joined by commas, `*` for every model."""
    return ALL_MODELS if pool is None else ",".join(pool)


def _strings(value: Any) -> tuple[str, ...] | None:
    if not isinstance(value, list):
        return None
    return tuple(sorted(v for v in value if isinstance(v, str)))


def worker_pool(info: Mapping[str, Any]) -> tuple[str, ...] | None:
    """The pool a worker's beat reports (sorted names), None for every model (a beat without one: older workers)."""
    return _strings(info.get("pool"))


def pool_counts(live: Iterable[WorkerRecord]) -> dict[str, int]:
    """Live workers by pool name, names sorted."""
    counts = Counter(pool_name(worker_pool(worker.info)) for worker in live)
    return dict(sorted(counts.items()))


def served_by(infos: Iterable[Mapping[str, Any]]) -> frozenset[str] | None:
    """The claim keys the workers serve together; None when one of them serves every model."""
    served: set[str] = set()
    for info in infos:
        keys = _strings(info.get("serves"))
        if keys is None:
            return None
        served |= set(keys)
    return frozenset(served)


def unserved_models(waiting: Iterable[str], served: frozenset[str] | None, *, any_live: bool) -> list[str]:
    """The models among `waiting` that no live worker serves, sorted. With no live worker none is served, not even
    a task that loads no model."""
    if served is None:
        return []
    if not any_live:
        return sorted(set(waiting))

    def serves(model: str) -> bool:  # a provider worker's pool is its namespace: `openai:*`
        namespace = namespace_of(model)
        return model in served or (namespace is not None and f"{namespace}:*" in served)

    return sorted(model for model in set(waiting) if not serves(model))


def _shown(model: str) -> str:
    """A model as a message names it: a folder or file by its base name, never a server path."""
    return PurePath(model).name if model.startswith(("/", "\\")) or ":\\" in model[:3] else model


def waiting_message(models: Sequence[str], *, any_live: bool) -> str | None:
    """What a job whose items wait for `models` (none served) tells its caller; None when nothing waits so."""
    if not models:
        return None
    if not any_live:
        return "no worker is live; start one with `kiln worker` (or `kiln serve`), its items wait until then"
    shown = [_shown(m) for m in models if m != NO_MODEL]
    if not shown:  # only tasks that load no model, and no worker at all would be caught above
        return None
    backends = sorted({namespace for m in shown if (namespace := namespace_of(m)) is not None})
    if backends:  # remote models wait for a provider worker, not a GPU pool
        names = ", ".join(shown)
        return f"no live worker serves {names}; start one with `kiln worker --backend {backends[0]}`"
    names = ", ".join(shown)
    command = ",".join(shown) if all(_shown(m) == m for m in models) else "MODEL"
    noun = "model" if len(shown) == 1 else "models"
    return f"no live worker serves {noun} {names}; start one with `kiln worker --models {command}`"
