"""Motion: video clips, feedback-loop animation, assembly and storyboards, as resumable tasks."""
