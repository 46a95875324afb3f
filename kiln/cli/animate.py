"""`kiln animate`: a feedback-loop animation into a work folder, resumable by running the same command again, and
`kiln animate control DIR pause|resume|stop|teleport IMAGE|edit JSON` to steer it while it runs."""

from __future__ import annotations

import hashlib
import json
import math
import re
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.console import Console

from kiln.cli.task_progress import TaskProgressBar
from kiln.config import Settings
from kiln.engine.catalog import resolve_model
from kiln.errors import InvalidInput
from kiln.motion.animation.checks import check_animation, with_size
from kiln.motion.animation.file_control import FileControl, LiveRun, queued_commands, running_pid, send_command
from kiln.motion.animation.request import AnimationRequest, SpriteOptions, parse_animation_request
from kiln.motion.animation.state import AnimationFolder

__all__ = ["animate_app"]

console = Console()
animate_app = typer.Typer(name="animate", help="Feedback-loop animations (Deforum-style keyframes).")
_PATH_FIELDS = ("init_image", "audio")
_ACTIONS = ("pause", "resume", "stop", "teleport", "edit")


def _read_request_file(path: Path) -> dict[str, Any]:
    """A request from JSON or YAML; its relative paths are relative to the file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))  # YAML reads JSON too
    except FileNotFoundError:
        raise InvalidInput("from", f"{path} does not exist") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InvalidInput("from", f"cannot read {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise InvalidInput("from", f"{path} must hold one request: a mapping of fields, like {{model: tiny-sd}}")
    for name in _PATH_FIELDS:
        if isinstance(data.get(name), str):
            data[name] = str(path.parent / data[name])
    sprite = data.get("sprite")
    if isinstance(sprite, dict) and isinstance(sprite.get("image"), str):
        data["sprite"] = {**sprite, "image": str(path.parent / sprite["image"])}
    return data


def _absolute_paths(data: dict[str, Any]) -> dict[str, Any]:
    """Paths made absolute, so that a resumed run from another folder is the same request."""
    for name in _PATH_FIELDS:
        if isinstance(data.get(name), str):
            data[name] = str(Path(data[name]).expanduser().resolve())
    sprite = data.get("sprite")
    if isinstance(sprite, dict) and isinstance(sprite.get("image"), str):
        data["sprite"] = {**sprite, "image": str(Path(sprite["image"]).expanduser().resolve())}
    return data


def _prompt_schedule(prompt: str | None, prompts: str | None) -> dict[str, str] | None:
    if prompt is not None and prompts is not None:
        raise InvalidInput("prompt", "give --prompt (one prompt) or --prompts (by frame), not both")
    if prompt is not None:
        return {"0": prompt}
    if prompts is None:
        return None
    try:
        schedule = json.loads(prompts)
    except json.JSONDecodeError as exc:
        raise InvalidInput("prompts", f'not JSON ({exc.msg}); write it like \'{{"0": "a forest"}}\'') from exc
    if not isinstance(schedule, dict):
        raise InvalidInput("prompts", 'must be a JSON object of frame: prompt, like \'{"0": "a forest"}\'')
    return schedule


def _zoom_levels(data: dict[str, Any], start: float | None, end: float | None) -> None:
    """`--zoom-start/--zoom-end` (zoom levels of the first and last frame, relative to each other) as the per-frame
    factor that takes the one to the other over the run: (end/start)^(1/(frames-1)), so the product of the
    factors of frames 1 … frames-1 (frame 0 is not moved) is end/start."""
    if start is None and end is None:
        return
    if "zoom" in data:
        raise InvalidInput(
            "zoom_start", "give --zoom (a per-frame factor schedule) or --zoom-start/--zoom-end (levels), not both"
        )
    for name, level in (("zoom_start", start), ("zoom_end", end)):
        if level is not None and not (math.isfinite(level) and level > 0):
            raise InvalidInput(name, f"{level:g} is not a zoom level; give a number above 0 (1 is the first frame's)")
    frames = data.get("frames", AnimationRequest.model_fields["frames"].default)
    ratio = (end or 1.0) / (start or 1.0)
    factor = ratio ** (1 / (frames - 1)) if isinstance(frames, int) and frames > 1 else 1.0
    data["zoom"] = f"0:({factor!r})"


def _sprite_flags(data: dict[str, Any], image: Path | None, shape: dict[str, Any]) -> None:
    """`--sprite` and its shape flags over the request's sprite (the request model checks them all)."""
    given = {name: value for name, value in shape.items() if value is not None}
    sprite = dict(data["sprite"]) if isinstance(data.get("sprite"), dict) else {}
    if image is not None:
        sprite["image"] = str(image)
    elif given and not sprite:
        flags = ", ".join(f"--sprite-{name}" for name in given)
        raise InvalidInput("sprite", f"{flags} shape a sprite; give its image with --sprite IMAGE")
    if sprite:
        data["sprite"] = {**sprite, **given}


def _sprite_help(name: str) -> str:
    return str(SpriteOptions.model_fields[name].description)


def _default_folder(settings: Settings, request: AnimationRequest) -> Path:
    # without the length: --frames lengthens the animation in the same folder
    fingerprint = hashlib.sha256(request.model_dump_json(exclude={"frames"}).encode()).hexdigest()[:6]
    first = request.prompts[min(request.prompts)]
    slug = re.sub(r"[^a-z0-9]+", "-", first.lower()).strip("-")[:40].rstrip("-") or "animation"
    return settings.output_dir / f"{slug}-{fingerprint}"


@animate_app.callback(invoke_without_command=True)
def animate_command(
    ctx: typer.Context,
    prompt: Annotated[str | None, typer.Option("--prompt", "-p", help="The prompt (frame 0 on)")] = None,
    prompts: Annotated[
        str | None, typer.Option(help='Prompts by frame, JSON: {"0": "a forest", "48": "a city"}')
    ] = None,
    from_file: Annotated[Path | None, typer.Option("--from", help="A request as JSON or YAML (flags override)")] = None,
    model: Annotated[str | None, typer.Option(help="Image model (default: KILN_DEFAULT_MODEL)")] = None,
    negative: Annotated[str | None, typer.Option("--negative", "-N", help="Negative prompt")] = None,
    frames: Annotated[int | None, typer.Option(help="Number of frames")] = None,
    fps: Annotated[float | None, typer.Option(help="Frames per second")] = None,
    width: Annotated[int | None, typer.Option(help="Width in pixels")] = None,
    height: Annotated[int | None, typer.Option(help="Height in pixels")] = None,
    steps: Annotated[int | None, typer.Option(help="Denoising steps (img2img runs about steps x strength)")] = None,
    init_image: Annotated[Path | None, typer.Option(help="Frame 0 starts from this image")] = None,
    zoom: Annotated[
        str | None, typer.Option(help="Schedule of the zoom factor per frame, e.g. '0:(1.0), 48:(1.04)' (>1 moves in)")
    ] = None,
    zoom_start: Annotated[
        float | None, typer.Option(help="Zoom level of the first frame (with --zoom-end; instead of --zoom)")
    ] = None,
    zoom_end: Annotated[
        float | None,
        typer.Option(help="Zoom level of the last frame: 1.0 → 1.05 zooms in 5% over the whole run"),
    ] = None,
    translation_x: Annotated[str | None, typer.Option(help="Schedule: pixels right per frame")] = None,
    translation_y: Annotated[str | None, typer.Option(help="Schedule: pixels down per frame")] = None,
    angle: Annotated[str | None, typer.Option(help="Schedule: degrees per frame")] = None,
    strength: Annotated[str | None, typer.Option(help="Schedule: denoising strength, e.g. '0:(0.6)'")] = None,
    guidance: Annotated[str | None, typer.Option(help="Schedule: CFG")] = None,
    interpolation: Annotated[str | None, typer.Option(help="linear or smooth")] = None,
    seed: Annotated[int | None, typer.Option(help="Base seed (default: drawn)")] = None,
    seed_behaviour: Annotated[str | None, typer.Option(help="iter, fixed, random or schedule")] = None,
    seed_schedule: Annotated[str | None, typer.Option(help="Schedule of seeds (seed_behaviour schedule)")] = None,
    smooth: Annotated[float | None, typer.Option(help="Enhance: bilateral smoothing 0-1")] = None,
    sharpen: Annotated[float | None, typer.Option(help="Enhance: sharpening 0-1")] = None,
    hud: Annotated[
        str | None, typer.Option(help="Burn in a HUD: top-left, top-right, bottom-left, bottom-right")
    ] = None,
    sprite: Annotated[Path | None, typer.Option(help="An image drifting over the frames")] = None,
    sprite_size: Annotated[float | None, typer.Option(help=_sprite_help("size"))] = None,
    sprite_path: Annotated[str | None, typer.Option(help=_sprite_help("path"))] = None,
    sprite_period: Annotated[float | None, typer.Option(help=_sprite_help("period"))] = None,
    sprite_seed: Annotated[int | None, typer.Option(help=_sprite_help("seed"))] = None,
    fmt: Annotated[str | None, typer.Option("--format", help="mp4, webm, gif or webp")] = None,
    crf: Annotated[int | None, typer.Option(help="Quality for mp4/webm (lower is better)")] = None,
    audio: Annotated[Path | None, typer.Option(help="An audio track for mp4/webm")] = None,
    out: Annotated[Path | None, typer.Option(help="The work folder (default: a folder in KILN_OUTPUT_DIR)")] = None,
    restart: Annotated[
        bool, typer.Option("--restart", help="Start a new production in the folder (the old one goes to earlier/)")
    ] = False,
) -> None:
    """Make an animation: frame n+1 = img2img(motion(frame n)). Running the same command again resumes it (a
    stopped one goes on); a larger --frames lengthens a finished one; --restart starts it again.

    Zoom: --zoom is a factor per frame ('0:(1.01)' moves in 1% every frame); --zoom-start/--zoom-end are the zoom
    levels of the first and last frame (1.0 and 1.05: 5% over the whole run, spread evenly over the frames)."""
    if ctx.invoked_subcommand is not None:
        return
    settings = Settings()
    data: dict[str, Any] = _read_request_file(from_file) if from_file is not None else {}
    flags: dict[str, Any] = {
        "prompts": _prompt_schedule(prompt, prompts), "model": model, "negative_prompt": negative, "frames": frames,
        "fps": fps, "width": width, "height": height, "steps": steps, "init_image": init_image, "zoom": zoom,
        "translation_x": translation_x, "translation_y": translation_y, "angle": angle, "strength": strength,
        "guidance": guidance, "interpolation": interpolation, "seed": seed, "seed_behaviour": seed_behaviour,
        "seed_schedule": seed_schedule, "format": fmt, "crf": crf, "audio": audio,
        "hud": None if hud is None else {"corner": hud},
    }  # fmt: skip
    data.update({name: str(v) if isinstance(v, Path) else v for name, v in flags.items() if v is not None})
    shape = {"size": sprite_size, "path": sprite_path, "period": sprite_period, "seed": sprite_seed}
    _sprite_flags(data, sprite, shape)
    _zoom_levels(data, zoom_start, zoom_end)
    enhance = {name: v for name, v in (("smooth", smooth), ("sharpen", sharpen)) if v is not None}
    if enhance:
        data["enhance"] = {**(data.get("enhance") or {}), **enhance}
    data.setdefault("model", settings.default_model)
    if "prompts" not in data:
        raise InvalidInput("prompt", 'give --prompt "a forest", --prompts JSON, or --from FILE with prompts')
    request = parse_animation_request(_absolute_paths(data), where=from_file.name if from_file else None)
    _run(request, out if out is not None else _default_folder(settings, request), settings, restart=restart)


def _run(request: AnimationRequest, work_dir: Path, settings: Settings, *, restart: bool = False) -> None:
    from kiln.engine.executor import Engine
    from kiln.motion.animation.runner import run_animation

    request = with_size(request, resolve_model(request.model).family)  # no size: the family's default
    check_animation(request, resolve_model(request.model).family)  # before loading anything
    if running_pid(work_dir) is not None:
        raise InvalidInput("out", f"{work_dir} is being animated by process {running_pid(work_dir)}; wait for it")
    saved = AnimationFolder(work_dir).carry_on(request, restart=restart)
    resumed = f", going on after frame {saved.done}" if saved is not None and 0 < saved.done < saved.end else ""
    console.print(
        f"{request.frames} frames at {request.width}x{request.height} with {request.model} in {work_dir}/{resumed}"
    )
    queued = [str(command.get("action")) for command in queued_commands(work_dir)]
    if queued:
        console.print(f"commands sent while nothing ran apply before the next frame: {', '.join(queued)}")
    console.print(f"steer it with `kiln animate control {work_dir} ACTION` (pause, resume, stop, teleport, edit)")
    with console.status("loading the model…"):
        engine = Engine(settings)
        engine.model(request.model)
    try:
        with LiveRun(work_dir), TaskProgressBar(console, "animating", unit="frames") as bar:
            control = FileControl(work_dir, on_progress=bar.update)
            [video] = run_animation(request, models=engine, work_dir=work_dir, control=control)
    except KeyboardInterrupt:
        state = AnimationFolder(work_dir).load_state()
        done = 0 if state is None else state.done
        console.print(
            f"[yellow]Interrupted.[/yellow] {done} of {request.frames} frames are saved in {work_dir}/frames/; "
            "run the same command again to go on."
        )
        raise typer.Exit(130) from None
    console.print(f"[green]Done.[/green] {video.frames} frames, {video.duration:.2f} s: {video.path}")


@animate_app.command("control")
def control_command(
    work_dir: Annotated[Path, typer.Argument(help="The running animation's work folder")],
    action: Annotated[str, typer.Argument(help="pause, resume, stop, teleport or edit")],
    value: Annotated[str | None, typer.Argument(help="teleport: an image; edit: JSON of the changes")] = None,
) -> None:
    """Steer a running animation: the command is taken between two frames."""
    if not (work_dir / "state").is_dir() and not (work_dir / "frames").is_dir():
        raise InvalidInput("work_dir", f"{work_dir} holds no animation; give the folder `kiln animate` works in")
    if action not in _ACTIONS:
        raise InvalidInput("action", f"{action!r} is not an action; use {', '.join(_ACTIONS)}")
    command: dict[str, Any] = {"action": action}
    if action == "teleport":
        if value is None:
            raise InvalidInput("image", "teleport needs an image: kiln animate control DIR teleport IMAGE")
        command["image"] = value
    elif action == "edit":
        try:
            command["changes"] = json.loads(value or "")
        except json.JSONDecodeError as exc:
            raise InvalidInput("changes", f'not JSON ({exc.msg}); e.g. \'{{"strength": "0:(0.4)"}}\'') from exc
    send_command(work_dir, command)
    if running_pid(work_dir) is not None:
        console.print(f"sent {action} to {work_dir}; it applies between two frames")
        return
    console.print(
        f"sent {action} to {work_dir}, but no animation is running there: it waits in {work_dir}/control/ and "
        "applies when `kiln animate` next runs this animation, before its next frame"
        + (" (that run starts paused: send resume to go on)" if action == "pause" else "")
    )
