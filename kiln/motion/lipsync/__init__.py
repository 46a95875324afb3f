"""Lip-sync (`kind: lipsync`) and talking avatars (`kind: avatar`): Wav2Lip over detected face boxes."""
