// The storyboard's settings: its title, the defaults every scene shares (model, style, size, steps, the video's
// fps, resolution, scene length and transition, the voice), the music track and the subtitles.
import { useState } from "react";
import { ApiError } from "../api/client";
import { Field } from "../create/Field";
import { uploadFile } from "./api";
import type { EditorDefaults, EditorStoryboard, SubtitleMode } from "./model";

interface DefaultsPanelProps {
  board: EditorStoryboard;
  errors: Record<string, string>; // by field: "title", "music", "defaults.fps", ...
  onChange: (board: EditorStoryboard) => void;
}

export function DefaultsPanel({ board, errors, onChange }: DefaultsPanelProps) {
  const d = board.defaults;
  const setDefaults = (patch: Partial<EditorDefaults>) => onChange({ ...board, defaults: { ...d, ...patch } });
  const text = (
    label: string,
    field: keyof EditorDefaults & string,
    apiField: string,
    placeholder = "",
    decimal = false,
  ) => (
    <Field label={label} error={errors[`defaults.${apiField}`]}>
      {(p) => (
        <input
          {...p}
          inputMode={decimal ? "decimal" : undefined}
          list={field === "model" ? "storyboard-models" : field === "style" ? "storyboard-styles" : undefined}
          placeholder={placeholder}
          value={d[field] as string}
          onChange={(e) => setDefaults({ [field]: e.target.value })}
        />
      )}
    </Field>
  );

  return (
    <section className="storyboard-settings" aria-labelledby="storyboard-settings-heading">
      <h2 id="storyboard-settings-heading">Settings</h2>
      <Field label="Title" error={errors.title} hint="The video's file is named after it">
        {(p) => <input {...p} value={board.title} onChange={(e) => onChange({ ...board, title: e.target.value })} />}
      </Field>
      <h3>Defaults</h3>
      {text("Model", "model", "model", "the server's default")}
      {text("Style", "style", "style", "none")}
      <div className="field-row">
        {text("Width", "width", "width", "model's", true)}
        {text("Height", "height", "height", "model's", true)}
      </div>
      <div className="field-row">
        {text("Steps", "steps", "steps", "model's", true)}
        {text("FPS", "fps", "fps", "24", true)}
      </div>
      <div className="field-row">
        {text("Resolution", "resolution", "resolution", "720p")}
        {text("Scene seconds", "duration", "duration", "3", true)}
      </div>
      <div className="field-row">
        <Field label="Default transition" error={errors["defaults.transition"]}>
          {(p) => (
            <select
              {...p}
              value={d.transition}
              onChange={(e) => setDefaults({ transition: e.target.value as EditorDefaults["transition"] })}
            >
              <option value="cut">Cut</option>
              <option value="crossfade">Crossfade</option>
            </select>
          )}
        </Field>
        {d.transition === "crossfade" && text("Default crossfade seconds", "crossfade", "transition", "0.5", true)}
      </div>
      {text("Video model", "videoModel", "video_model", "for image-to-video shots")}
      {text("Voice", "voice", "voice", "en")}
      <h3>Sound and subtitles</h3>
      <MusicField board={board} error={errors.music} onChange={onChange} />
      {board.music && (
        <Field label="Music volume" error={errors.music_volume} hint="0 to 4; 1 as recorded">
          {(p) => (
            <input
              {...p}
              inputMode="decimal"
              placeholder="1"
              value={board.musicVolume}
              onChange={(e) => onChange({ ...board, musicVolume: e.target.value })}
            />
          )}
        </Field>
      )}
      <Field label="Subtitles" error={errors.subtitles}>
        {(p) => (
          <select
            {...p}
            value={board.subtitles}
            onChange={(e) => onChange({ ...board, subtitles: e.target.value as SubtitleMode })}
          >
            <option value="off">Off</option>
            <option value="on">On (an .srt beside the video)</option>
            <option value="burned">Burned into the video</option>
          </select>
        )}
      </Field>
    </section>
  );
}

/** The music track: a file uploaded now (its `upload:<id>` goes into the manifest), or none. */
function MusicField({
  board,
  error,
  onChange,
}: {
  board: EditorStoryboard;
  error?: string;
  onChange: (b: EditorStoryboard) => void;
}) {
  const [uploading, setUploading] = useState(false);
  const [uploadError, setUploadError] = useState<string | null>(null);
  const upload = async (file: File) => {
    setUploading(true);
    setUploadError(null);
    try {
      const ref = await uploadFile(file);
      onChange({ ...board, music: ref, musicName: file.name });
    } catch (failure) {
      setUploadError(failure instanceof ApiError || failure instanceof Error ? failure.message : String(failure));
    } finally {
      setUploading(false);
    }
  };
  return (
    <Field
      label="Music"
      error={uploadError ?? error}
      hint={board.music ? `Track: ${board.musicName || board.music}` : "MP3, WAV, AAC, … looped or cut to the video"}
    >
      {(p) => (
        <div className="file-row">
          <input
            {...p}
            type="file"
            accept="audio/*,.mp3,.wav,.m4a,.aac,.ogg,.flac"
            disabled={uploading}
            onChange={(e) => {
              const file = e.target.files?.[0];
              if (file) void upload(file);
              e.target.value = "";
            }}
          />
          {board.music && (
            <button type="button" onClick={() => onChange({ ...board, music: "", musicName: "", musicVolume: "" })}>
              No music
            </button>
          )}
        </div>
      )}
    </Field>
  );
}
