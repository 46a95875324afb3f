"""What a render did: the asset keys it made and those it found in the cache, by kind."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from kiln.motion.storyboard.plan import ASSET_KINDS, AssetKind

__all__ = ["RenderReport"]


def _by_kind() -> dict[AssetKind, list[str]]:
    return {kind: [] for kind in ASSET_KINDS}


@dataclass
class RenderReport:
    """Asset keys made and reused in one render, by kind (`image`, `motion`, `narration`, `final`)."""

    made: dict[AssetKind, list[str]] = field(default_factory=_by_kind)
    reused: dict[AssetKind, list[str]] = field(default_factory=_by_kind)

    def counts(self) -> dict[str, dict[AssetKind, int]]:
        """`{"made": {"image": 1, ...}, "reused": {...}}`."""
        return {
            "made": {kind: len(keys) for kind, keys in self.made.items()},
            "reused": {kind: len(keys) for kind, keys in self.reused.items()},
        }

    def to_dict(self) -> dict[str, dict[AssetKind, list[str]]]:
        return {
            "made": {k: list(v) for k, v in self.made.items()},
            "reused": {k: list(v) for k, v in self.reused.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Mapping[str, Sequence[str]]]) -> RenderReport:
        """The report a render wrote into its output's metadata (`metadata["assets"]`)."""
        report = cls()
        for kind in ASSET_KINDS:
            report.made[kind] = list(data["made"].get(kind, []))
            report.reused[kind] = list(data["reused"].get(kind, []))
        return report
