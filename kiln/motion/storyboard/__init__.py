"""Storyboards: one manifest describes a whole video; rendering makes its images, motion clips, narration and
final cut as cached assets keyed by their inputs, so a re-render after an edit redoes only what changed.

The runner (`kiln.motion.storyboard.runner.run_storyboard`) imports torch; this package's own import does not.
"""

from kiln.motion.storyboard.loading import load_storyboard, parse_storyboard
from kiln.motion.storyboard.manifest import Scene, Storyboard, StoryboardDefaults, Transition
from kiln.motion.storyboard.plan import RenderPlan, plan_render
from kiln.motion.storyboard.report import RenderReport
from kiln.motion.storyboard.shots import AnimationShot, KenBurnsShot, StillShot, VideoShot

__all__ = [
    "AnimationShot",
    "KenBurnsShot",
    "RenderPlan",
    "RenderReport",
    "Scene",
    "StillShot",
    "Storyboard",
    "StoryboardDefaults",
    "Transition",
    "VideoShot",
    "load_storyboard",
    "parse_storyboard",
    "plan_render",
]
