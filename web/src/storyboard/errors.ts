// The API's error field for a storyboard job ("items.0.scenes.2.shot.zoom.0", "items.0.defaults.fps",
// "items.0.music") -> the place of the editor it is about, so the message shows next to that control.

/** The fields of a scene card that an error can name; others land on the card as a whole. */
export type SceneSlot = "id" | "prompt" | "style" | "shot" | "narration" | "duration" | "transition" | "scene";

export type ErrorPlace =
  | { kind: "scene"; index: number; slot: SceneSlot; detail: string }
  | { kind: "defaults"; field: string }
  | { kind: "board"; field: string }
  | { kind: "general" };

const SCENE_SLOTS: readonly SceneSlot[] = ["id", "prompt", "style", "shot", "narration", "duration", "transition"];
const SHOT_TAGS = new Set(["still", "ken_burns", "image_to_video", "animation"]); // pydantic's union tags, no fields

export function errorPlace(field: string | null): ErrorPlace {
  if (!field) return { kind: "general" };
  const parts = field.split(".");
  if (parts[0] === "items" && /^\d+$/.test(parts[1] ?? "")) parts.splice(0, 2);
  const [head, second, third] = parts;
  if (head === "scenes" && second !== undefined && /^\d+$/.test(second)) {
    const slot = SCENE_SLOTS.find((name) => name === third) ?? "scene";
    const rest = parts.slice(slot === "scene" ? 2 : 3).filter((part) => !SHOT_TAGS.has(part));
    return { kind: "scene", index: Number(second), slot, detail: rest.join(".") };
  }
  if (head === "defaults" && second !== undefined) return { kind: "defaults", field: second };
  if (head === "title" || head === "music" || head === "music_volume" || head === "subtitles") {
    return { kind: "board", field: head };
  }
  return { kind: "general" };
}
