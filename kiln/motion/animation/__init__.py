"""Feedback-loop animation (what Deforum and EpochStreamer do): frame n+1 = img2img(motion(frame n), strength).

`request` (what to make), `timeline` (one frame's values from the schedules), `state` (the checkpoint and work
folder), `controls` and `file_control` (pause, resume, stop, teleport, edit while it runs), `hud` and `sprite`
(overlays), `checks` (against the model's family) and `runner` (`run_animation`, which imports torch: import it
from its module).
"""
