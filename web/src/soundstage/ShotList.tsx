// The shots in order, each with its duration, Ken Burns motion, transition and narration line. Reordered by
// dragging a row's handle (pointer: mouse, pen or touch), by the handle's arrow keys, or by its Move up / Move
// down buttons; a moved row keeps the focus.
import { useEffect, useRef, useState, type KeyboardEvent, type PointerEvent } from "react";
import { Field } from "../create/Field";
import { MediaPreview } from "../pickers/MediaPicker";
import type { ClipFit, Motion, ShotDraft, TransitionKind } from "./plan";

interface Props {
  shots: ShotDraft[];
  onChange: (key: string, patch: Partial<ShotDraft>) => void;
  onMove: (from: number, to: number) => void;
  onRemove: (key: string) => void;
  /** The line's preview: speaks `text` (the page plays it). */
  onHear: (key: string, text: string) => void;
  hearing: string | null; // the shot whose line is being fetched
  /** The last preview: the shot it is of, the audio's URL or why there is none. */
  heard: { key: string; url: string; error: string | null } | null;
  errorFor: (index: number, field: string) => string | undefined;
}

/** Where the row at `from`, dragged to height `y`, lands: after every other row whose middle is above `y`. */
export function dropIndex(middles: readonly number[], from: number, y: number): number {
  return middles.filter((middle, index) => index !== from && middle < y).length;
}

export function ShotList({ shots, onChange, onMove, onRemove, onHear, hearing, heard, errorFor }: Props) {
  const list = useRef<HTMLOListElement>(null);
  const [drag, setDrag] = useState<{ from: number; to: number } | null>(null);
  // the control that moved a row, focused again once the row is in its new place (a moved DOM node loses focus);
  // the row's handle where that control is now disabled (Move up at the top)
  const refocus = useRef<{ key: string; control: string } | null>(null);
  useEffect(() => {
    const wanted = refocus.current;
    refocus.current = null;
    if (wanted === null || list.current === null) return;
    const control = list.current.querySelector<HTMLButtonElement>(`[data-shot="${wanted.key}"][data-control="${wanted.control}"]`);
    const target = control && !control.disabled ? control : list.current.querySelector<HTMLElement>(`[data-shot="${wanted.key}"][data-control="handle"]`);
    target?.focus();
  }, [shots]);

  const middles = () =>
    [...(list.current?.querySelectorAll<HTMLElement>(":scope > li") ?? [])].map((row) => {
      const box = row.getBoundingClientRect();
      return box.top + box.height / 2;
    });

  const move = (from: number, to: number, key: string, control: string) => {
    if (to < 0 || to >= shots.length || to === from) return;
    refocus.current = { key, control };
    onMove(from, to);
  };

  const onPointerDown = (event: PointerEvent<HTMLElement>, index: number) => {
    if (event.button !== 0) return;
    event.currentTarget.setPointerCapture(event.pointerId);
    setDrag({ from: index, to: index });
  };
  const onPointerMove = (event: PointerEvent<HTMLElement>) => {
    if (drag === null) return;
    const to = dropIndex(middles(), drag.from, event.clientY);
    if (to !== drag.to) setDrag({ ...drag, to });
  };
  const onPointerUp = (key: string) => {
    if (drag !== null && drag.to !== drag.from) move(drag.from, drag.to, key, "handle");
    setDrag(null);
  };
  const onHandleKey = (event: KeyboardEvent, index: number, key: string) => {
    if (event.key === "ArrowUp" || event.key === "ArrowDown") {
      event.preventDefault();
      move(index, index + (event.key === "ArrowUp" ? -1 : 1), key, "handle");
    }
  };

  return (
    <ol ref={list} className="ss-shots" aria-label="Shots">
      {shots.map((shot, index) => {
        const name = `shot ${index + 1}`;
        const isClip = shot.media.kind === "video";
        const target = drag !== null && drag.to === index && drag.from !== index;
        return (
          <li
            key={shot.key}
            className={`ss-shot${drag?.from === index ? " dragging" : ""}${target ? (drag.to > drag.from ? " drop-after" : " drop-before") : ""}`}
            aria-label={`Shot ${index + 1}: ${shot.media.name}`}
          >
            <div className="ss-shot-head">
              <button
                type="button"
                className="ss-handle"
                data-shot={shot.key}
                data-control="handle"
                aria-label={`Reorder ${name} (drag, or arrow keys)`}
                aria-roledescription="drag handle"
                onPointerDown={(event) => onPointerDown(event, index)}
                onPointerMove={onPointerMove}
                onPointerUp={() => onPointerUp(shot.key)}
                onPointerCancel={() => setDrag(null)}
                onKeyDown={(event) => onHandleKey(event, index, shot.key)}
              >
                ⠿
              </button>
              <span className="ss-number" aria-hidden="true">
                {index + 1}
              </span>
              <MediaPreview media={shot.media} />
              <div className="ss-shot-actions">
                <button type="button" data-shot={shot.key} data-control="up" aria-label={`Move ${name} up`} disabled={index === 0} onClick={() => move(index, index - 1, shot.key, "up")}>
                  ↑
                </button>
                <button type="button" data-shot={shot.key} data-control="down" aria-label={`Move ${name} down`} disabled={index === shots.length - 1} onClick={() => move(index, index + 1, shot.key, "down")}>
                  ↓
                </button>
                <button type="button" aria-label={`Remove ${name}`} onClick={() => onRemove(shot.key)}>
                  ×
                </button>
              </div>
            </div>
            <div className="ss-shot-fields">
              <Field label={`Seconds (${name})`} error={errorFor(index, "duration")} hint={isClip ? "Empty: the clip's length" : undefined}>
                {(props) => (
                  <input {...props} type="number" min={0.1} step={0.1} value={shot.duration} onChange={(e) => onChange(shot.key, { duration: e.target.value })} />
                )}
              </Field>
              {isClip ? (
                <Field label={`If the clip is shorter (${name})`} error={errorFor(index, "fit")}>
                  {(props) => (
                    <select {...props} value={shot.fit} onChange={(e) => onChange(shot.key, { fit: e.target.value as ClipFit })}>
                      <option value="loop">Loop it</option>
                      <option value="hold">Hold its last frame</option>
                      <option value="stretch">Slow it down</option>
                    </select>
                  )}
                </Field>
              ) : (
                <Field label={`Ken Burns (${name})`} error={errorFor(index, "motion")}>
                  {(props) => (
                    <select {...props} value={shot.motion} onChange={(e) => onChange(shot.key, { motion: e.target.value as Motion })}>
                      <option value="still">Still</option>
                      <option value="zoom-in">Zoom in</option>
                      <option value="zoom-out">Zoom out</option>
                      <option value="pan-right">Pan right</option>
                      <option value="pan-left">Pan left</option>
                    </select>
                  )}
                </Field>
              )}
              {index < shots.length - 1 && (
                <div className="ss-wide">
                  <Field label={`Into the next (${name})`} error={errorFor(index, "transition")}>
                    {(props) => (
                      <span className="ss-transition">
                        <select {...props} value={shot.transition} onChange={(e) => onChange(shot.key, { transition: e.target.value as TransitionKind })}>
                          <option value="cut">Cut</option>
                          <option value="crossfade">Crossfade</option>
                        </select>
                        {shot.transition === "crossfade" && (
                          <input
                            type="number"
                            aria-label={`Crossfade seconds (${name})`}
                            min={0.1}
                            max={10}
                            step={0.1}
                            value={shot.transitionSeconds}
                            onChange={(e) => onChange(shot.key, { transitionSeconds: e.target.value })}
                          />
                        )}
                      </span>
                    )}
                  </Field>
                </div>
              )}
            </div>
            <div className="ss-line">
              <Field label={`Narration (${name})`} error={errorFor(index, "narration")}>
                {(props) => (
                  <textarea {...props} rows={2} placeholder="A line spoken over this shot (and its subtitle)" value={shot.narration} onChange={(e) => onChange(shot.key, { narration: e.target.value })} />
                )}
              </Field>
              <button type="button" aria-label={`Hear ${name}'s line`} disabled={!shot.narration.trim() || hearing === shot.key} onClick={() => onHear(shot.key, shot.narration.trim())}>
                {hearing === shot.key ? "…" : "▶ Hear"}
              </button>
            </div>
            {heard?.key === shot.key &&
              (heard.error ? (
                <p className="field-error" role="alert">
                  {heard.error}
                </p>
              ) : (
                <audio src={heard.url} controls autoPlay aria-label="Voice preview" />
              ))}
          </li>
        );
      })}
    </ol>
  );
}
