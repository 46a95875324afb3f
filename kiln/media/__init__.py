"""Pure functions on images, frames and audio."""
