// One scene as a card: its id, prompt, style, shot (with the kind's main options), narration, length and
// transition; move up/down, duplicate and remove; a handle to drag it elsewhere in the list. The API's errors
// about this scene show under the field they name.
import { useState, type DragEvent } from "react";
import { Field } from "../create/Field";
import type { SceneSlot } from "./errors";
import {
  SHOT_KINDS,
  SHOT_LABELS,
  type DurationMode,
  type EditorScene,
  type Json,
  type JsonObject,
  type ShotKind,
  type TransitionMode,
} from "./model";

export type SceneErrors = Partial<Record<SceneSlot, string>>;

interface SceneCardProps {
  scene: EditorScene;
  index: number;
  count: number;
  errors: SceneErrors;
  onChange: (scene: EditorScene) => void;
  onMove: (to: number) => void;
  onDuplicate: () => void;
  onRemove: () => void;
  onDragStart: (index: number) => void;
  onDropOn: (index: number) => void;
  onDragEnd: () => void;
  dragging: boolean;
}

export function SceneCard(props: SceneCardProps) {
  const { scene, index, count, errors, onChange } = props;
  const [over, setOver] = useState(false);
  const number = index + 1;
  const set = (patch: Partial<EditorScene>) => onChange({ ...scene, ...patch });
  const shot = scene.shots[scene.shotKind] ?? {};
  const setShot = (key: string, value: Json | undefined) => {
    const next: JsonObject = Object.fromEntries(Object.entries(shot).filter(([name]) => name !== key));
    if (value !== undefined) next[key] = value;
    set({ shots: { ...scene.shots, [scene.shotKind]: next } });
  };

  const dragOver = (event: DragEvent) => {
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    setOver(true);
  };
  const drop = (event: DragEvent) => {
    event.preventDefault();
    setOver(false);
    props.onDropOn(index);
  };

  return (
    <article
      className={`scene-card${over ? " drop-target" : ""}${props.dragging ? " dragging" : ""}`}
      aria-label={`Scene ${number}`}
      data-scene-id={scene.id}
      onDragOver={dragOver}
      onDragLeave={() => setOver(false)}
      onDrop={drop}
    >
      <header className="scene-head">
        <span
          className="drag-handle"
          draggable
          title="Drag to move this scene"
          aria-hidden="true"
          onDragStart={(event) => {
            event.dataTransfer.effectAllowed = "move";
            event.dataTransfer.setData("text/plain", String(index));
            const card = event.currentTarget.closest("article");
            if (card) event.dataTransfer.setDragImage(card, 16, 16);
            props.onDragStart(index);
          }}
          onDragEnd={props.onDragEnd}
        >
          ⠿
        </span>
        <h2>Scene {number}</h2>
        <div className="scene-actions">
          <button
            type="button"
            onClick={() => props.onMove(index - 1)}
            disabled={index === 0}
            aria-label={`Move scene ${number} up`}
          >
            ↑
          </button>
          <button
            type="button"
            onClick={() => props.onMove(index + 1)}
            disabled={index === count - 1}
            aria-label={`Move scene ${number} down`}
          >
            ↓
          </button>
          <button type="button" onClick={props.onDuplicate} aria-label={`Duplicate scene ${number}`}>
            Duplicate
          </button>
          <button type="button" onClick={props.onRemove} disabled={count === 1} aria-label={`Remove scene ${number}`}>
            Remove
          </button>
        </div>
      </header>
      {errors.scene && (
        <p className="field-error" role="alert">
          {errors.scene}
        </p>
      )}
      <div className="scene-fields">
        <Field label="Scene id" error={errors.id} hint="Letters, digits, - and _; its seed comes from it">
          {(p) => <input {...p} value={scene.id} onChange={(e) => set({ id: e.target.value })} />}
        </Field>
        <Field label="Style" error={errors.style}>
          {(p) => (
            <input
              {...p}
              list="storyboard-styles"
              value={scene.style}
              placeholder="the defaults'"
              onChange={(e) => set({ style: e.target.value })}
            />
          )}
        </Field>
        <div className="span-2">
          <Field label="Prompt" error={errors.prompt}>
            {(p) => <textarea {...p} rows={2} value={scene.prompt} onChange={(e) => set({ prompt: e.target.value })} />}
          </Field>
        </div>
        <Field label="Shot" error={errors.shot}>
          {(p) => (
            <select {...p} value={scene.shotKind} onChange={(e) => set({ shotKind: e.target.value as ShotKind })}>
              {SHOT_KINDS.map((kind) => (
                <option key={kind} value={kind}>
                  {SHOT_LABELS[kind]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <ShotOptions kind={scene.shotKind} shot={shot} setShot={setShot} />
        <div className="span-2">
          <Field label="Narration" error={errors.narration} hint="Spoken over the scene, and its subtitle">
            {(p) => (
              <textarea {...p} rows={2} value={scene.narration} onChange={(e) => set({ narration: e.target.value })} />
            )}
          </Field>
        </div>
        <div className="field-pair">
          <Field label="Length" error={errors.duration}>
            {(p) => (
              <select
                {...p}
                value={scene.durationMode}
                onChange={(e) => set({ durationMode: e.target.value as DurationMode })}
              >
                <option value="default">Default</option>
                <option value="seconds">Seconds</option>
                <option value="fit">Fit the narration</option>
              </select>
            )}
          </Field>
          {scene.durationMode === "seconds" && (
            <Field label="Seconds">
              {(p) => (
                <input
                  {...p}
                  inputMode="decimal"
                  value={scene.seconds}
                  onChange={(e) => set({ seconds: e.target.value })}
                />
              )}
            </Field>
          )}
        </div>
        <div className="field-pair">
          <Field label="Transition" error={errors.transition} hint="Into the next scene">
            {(p) => (
              <select
                {...p}
                value={scene.transition}
                onChange={(e) => set({ transition: e.target.value as TransitionMode })}
              >
                <option value="default">Default</option>
                <option value="cut">Cut</option>
                <option value="crossfade">Crossfade</option>
              </select>
            )}
          </Field>
          {scene.transition === "crossfade" && (
            <Field label="Crossfade seconds">
              {(p) => (
                <input
                  {...p}
                  inputMode="decimal"
                  placeholder="0.5"
                  value={scene.crossfade}
                  onChange={(e) => set({ crossfade: e.target.value })}
                />
              )}
            </Field>
          )}
        </div>
      </div>
    </article>
  );
}

type SetShot = (key: string, value: Json | undefined) => void;

/** The main options of each shot kind; the others an imported manifest sets are kept as they are. */
function ShotOptions({ kind, shot, setShot }: { kind: ShotKind; shot: JsonObject; setShot: SetShot }) {
  if (kind === "ken_burns") {
    const zoom = Array.isArray(shot.zoom) ? shot.zoom : [];
    const setZoom = (at: 0 | 1, value: Json | undefined) => {
      const next = [zoom[0] ?? 1.0, zoom[1] ?? 1.2];
      next[at] = value ?? (at === 0 ? 1.0 : 1.2);
      setShot("zoom", next);
    };
    return (
      <div className="field-pair">
        <NumberOption label="Zoom from" value={zoom[0]} placeholder="1.0" onChange={(v) => setZoom(0, v)} />
        <NumberOption label="Zoom to" value={zoom[1]} placeholder="1.2" onChange={(v) => setZoom(1, v)} />
      </div>
    );
  }
  if (kind === "image_to_video" || kind === "animation") {
    return (
      <>
        <div className="field-pair">
          <NumberOption
            label="Frames"
            value={shot.frames}
            placeholder="the scene's"
            onChange={(v) => setShot("frames", v)}
          />
          <Field label="Fit">
            {(p) => (
              <select
                {...p}
                value={typeof shot.fit === "string" ? shot.fit : ""}
                onChange={(e) => setShot("fit", e.target.value || undefined)}
              >
                <option value="">Hold (default)</option>
                <option value="hold">Hold the last frame</option>
                <option value="loop">Loop</option>
                <option value="stretch">Stretch</option>
              </select>
            )}
          </Field>
        </div>
        {kind === "image_to_video" ? (
          <TextOption
            label="Video model"
            value={shot.model}
            placeholder="the defaults'"
            onChange={(v) => setShot("model", v)}
          />
        ) : (
          <TextOption
            label="Zoom schedule"
            value={shot.zoom}
            placeholder="0:(1.0)"
            onChange={(v) => setShot("zoom", v)}
          />
        )}
      </>
    );
  }
  return <div aria-hidden="true" />;
}

function TextOption(props: {
  label: string;
  value: Json | undefined;
  placeholder: string;
  onChange: (v: string | undefined) => void;
}) {
  return (
    <Field label={props.label}>
      {(p) => (
        <input
          {...p}
          value={typeof props.value === "string" ? props.value : ""}
          placeholder={props.placeholder}
          onChange={(e) => props.onChange(e.target.value.trim() === "" ? undefined : e.target.value)}
        />
      )}
    </Field>
  );
}

/** A number option typed as text (so "1." survives typing), handed on as a number once it is one. */
function NumberOption(props: {
  label: string;
  value: Json | undefined;
  placeholder: string;
  onChange: (value: Json | undefined) => void;
}) {
  const shown = props.value === undefined || props.value === null ? "" : String(props.value);
  const [text, setText] = useState(shown);
  const [seen, setSeen] = useState(shown);
  if (shown !== seen) {
    // changed from outside (an import, another kind's value): show it, unless it is what is typed already
    setSeen(shown);
    if (!(Number(text) === Number(shown) && text.trim() !== "")) setText(shown);
  }
  return (
    <Field label={props.label}>
      {(p) => (
        <input
          {...p}
          inputMode="decimal"
          value={text}
          placeholder={props.placeholder}
          onChange={(e) => {
            const next = e.target.value;
            setText(next);
            const parsed = Number(next);
            props.onChange(next.trim() === "" ? undefined : Number.isFinite(parsed) ? parsed : next);
          }}
        />
      )}
    </Field>
  );
}
