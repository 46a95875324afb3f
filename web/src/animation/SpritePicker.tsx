// The sprite: an uploaded image or a built-in one (drawn here on a canvas and uploaded as a PNG with
// transparency), its path across the frames and its size.
import { useState } from "react";
import { ApiError } from "../api/client";
import { Field } from "../create/Field";
import { MediaPicker } from "../pickers/MediaPicker";
import { uploadFile } from "./api";
import { NumberInput } from "./NumberInput";
import type { EngineConfig, SpritePath } from "./production";

type Sprite = EngineConfig["sprite"];

interface Props {
  sprite: Sprite;
  error?: string;
  onChange: (sprite: Sprite) => void;
  onPath: (path: SpritePath) => void;
}

/** The built-in sprites: a name and how to draw it on a 128-pixel transparent canvas. */
const BUILT_IN: Record<string, (g: CanvasRenderingContext2D) => void> = {
  comet: (g) => {
    const glow = g.createRadialGradient(84, 44, 4, 84, 44, 40);
    glow.addColorStop(0, "rgba(255,250,220,1)");
    glow.addColorStop(1, "rgba(255,170,60,0)");
    g.fillStyle = glow;
    g.beginPath();
    g.moveTo(8, 120);
    g.lineTo(80, 34);
    g.lineTo(96, 52);
    g.closePath();
    g.fill();
    g.beginPath();
    g.arc(84, 44, 30, 0, 2 * Math.PI);
    g.fill();
  },
  moth: (g) => {
    g.fillStyle = "rgba(235,225,200,0.95)";
    for (const side of [-1, 1]) {
      g.beginPath();
      g.ellipse(64 + side * 26, 52, 26, 20, side * 0.5, 0, 2 * Math.PI);
      g.fill();
      g.beginPath();
      g.ellipse(64 + side * 20, 82, 16, 12, -side * 0.4, 0, 2 * Math.PI);
      g.fill();
    }
    g.fillStyle = "rgba(90,70,50,1)";
    g.fillRect(60, 36, 8, 60);
  },
};

async function builtIn(name: string): Promise<Blob> {
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = 128;
  const g = canvas.getContext("2d");
  if (g === null) throw new Error("this browser cannot draw the built-in sprite");
  const draw = BUILT_IN[name];
  if (draw === undefined) throw new Error(`no built-in sprite ${name}`);
  draw(g);
  return new Promise((resolve, reject) =>
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("the sprite could not be drawn"))), "image/png"),
  );
}

export function SpritePicker({ sprite, error, onChange, onPath }: Props) {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const use = async (file: Blob, name: string) => {
    setBusy(true);
    setProblem(null);
    try {
      const uploaded = await uploadFile(file, name);
      onChange({ image: uploaded.ref, name, path: sprite?.path ?? "cross", size: sprite?.size ?? 0.25 });
    } catch (err) {
      setProblem(err instanceof ApiError || err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <fieldset className="anim-group">
      <legend>Sprite</legend>
      <Field label="Sprite image" error={problem ?? error} hint={sprite ? `Using ${sprite.name}` : "None"}>
        {(props) => (
          <select
            {...props}
            value=""
            disabled={busy}
            onChange={(e) => {
              const choice = e.target.value;
              if (choice === "none") onChange(null);
              else if (choice !== "") void builtIn(choice).then((blob) => use(blob, `${choice}.png`));
            }}
          >
            <option value="">Choose…</option>
            <option value="none">No sprite</option>
            {Object.keys(BUILT_IN).map((name) => (
              <option key={name} value={name}>
                Built-in: {name}
              </option>
            ))}
          </select>
        )}
      </Field>
      <MediaPicker
        label="sprite"
        kinds={["image"]}
        disabled={busy}
        onPick={([picked]) => picked && onChange({ image: picked.ref, name: picked.name, path: sprite?.path ?? "cross", size: sprite?.size ?? 0.25 })}
      />
      {sprite && (
        <div className="field-row">
          <Field label="Sprite path">
            {(props) => (
              <select {...props} value={sprite.path} onChange={(e) => onPath(e.target.value as SpritePath)}>
                <option value="cross">Cross</option>
                <option value="sway">Sway</option>
              </select>
            )}
          </Field>
          <Field label="Sprite size" hint="Of the frame's width">
            {(props) => (
              <NumberInput {...props} value={sprite.size} onValue={(size) => size !== null && onChange({ ...sprite, size })} />
            )}
          </Field>
        </div>
      )}
    </fieldset>
  );
}
