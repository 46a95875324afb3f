// `/storyboard`: a whole video scene by scene. Scenes are cards (reordered by dragging or by their move buttons),
// the settings sit beside them, a YAML manifest comes in and goes out (kiln render's format), and Render sends
// the storyboard as one job; its progress, what it made and reused, and the final cut show below.
// Loaded lazily (App.tsx): the YAML library loads only on import or export.
import { useMutation } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { useLocation, useSearch } from "wouter";
import { ApiError } from "../api/client";
import { useModels, useStyles } from "../create/queries";
import { renderStoryboard } from "../storyboard/api";
import { DefaultsPanel } from "../storyboard/DefaultsPanel";
import { errorPlace } from "../storyboard/errors";
import {
  addScene,
  duplicateScene,
  emptyStoryboard,
  fromManifest,
  moveScene,
  removeScene,
  toManifest,
  type EditorStoryboard,
} from "../storyboard/model";
import { RenderPanel } from "../storyboard/RenderPanel";
import { SceneCard, type SceneErrors } from "../storyboard/SceneCard";
import { manifestYaml, parseManifest } from "../storyboard/yamlText";
import { useDraft } from "../storyboard/useDraft";
import "../storyboard/storyboard.css";

interface Problems {
  scenes: Record<number, SceneErrors>;
  settings: Record<string, string>;
  general: string | null;
}

const NO_PROBLEMS: Problems = { scenes: {}, settings: {}, general: null };

/** Where the API's error goes: next to the scene field or setting it names, else above the editor. */
function problemsOf(error: unknown): Problems {
  if (!(error instanceof ApiError))
    return { ...NO_PROBLEMS, general: error instanceof Error ? error.message : String(error) };
  const place = errorPlace(error.field);
  switch (place.kind) {
    case "scene": {
      const message = place.detail ? `${place.detail}: ${error.message}` : error.message;
      return { ...NO_PROBLEMS, scenes: { [place.index]: { [place.slot]: message } } };
    }
    case "defaults":
      return { ...NO_PROBLEMS, settings: { [`defaults.${place.field}`]: error.message } };
    case "board":
      return { ...NO_PROBLEMS, settings: { [place.field]: error.message } };
    default:
      return { ...NO_PROBLEMS, general: error.field ? `${error.field}: ${error.message}` : error.message };
  }
}

function fileName(title: string): string {
  return `${
    title
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "") || "storyboard"
  }.yaml`;
}

export function StoryboardPage() {
  const [board, setBoard] = useDraft(emptyStoryboard);
  const [problems, setProblems] = useState<Problems>(NO_PROBLEMS);
  // the render shown is in the address (`?job=<id>`), so a reload or a shared link shows it again
  const jobId = new URLSearchParams(useSearch()).get("job");
  const [, navigate] = useLocation();
  const [dragFrom, setDragFrom] = useState<number | null>(null);
  const [announce, setAnnounce] = useState("");
  const [importNote, setImportNote] = useState<string | null>(null);
  const models = useModels();
  const styles = useStyles();

  const render = useMutation({
    mutationFn: () => renderStoryboard(toManifest(board)),
    onMutate: () => setProblems(NO_PROBLEMS),
    onSuccess: (job) => navigate(`/storyboard?job=${encodeURIComponent(job.id)}`, { replace: true }),
    onError: (error) => setProblems(problemsOf(error)),
  });

  const update = (next: EditorStoryboard) => setBoard(next);
  const setScenes = (scenes: EditorStoryboard["scenes"]) => update({ ...board, scenes });
  const move = (from: number, to: number) => {
    if (to < 0 || to >= board.scenes.length || from === to) return;
    setScenes(moveScene(board.scenes, from, to));
    setAnnounce(`Scene ${board.scenes[from]?.id ?? from + 1} moved to position ${to + 1}`);
    setProblems(NO_PROBLEMS); // errors name scenes by position
  };

  const importFile = async (file: File) => {
    setImportNote(null);
    try {
      const imported = fromManifest(await parseManifest(await file.text()));
      update(imported);
      setProblems(NO_PROBLEMS);
      setImportNote(`Imported ${file.name}: ${imported.scenes.length} scenes`);
    } catch (error) {
      setProblems({
        ...NO_PROBLEMS,
        general: `${file.name}: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
  };

  const exportFile = async () => {
    const text = await manifestYaml(toManifest(board));
    const link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([text], { type: "application/yaml" }));
    link.download = fileName(board.title);
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  };

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && event.key === "Enter" && !render.isPending) render.mutate();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [render]);

  return (
    <section className="storyboard" aria-labelledby="storyboard-heading">
      <header className="storyboard-head">
        <h1 id="storyboard-heading">Storyboard</h1>
        <div className="storyboard-tools">
          <label className="button-like">
            Import YAML
            <input
              className="visually-hidden"
              type="file"
              accept=".yaml,.yml,.json,application/yaml,application/json,text/yaml"
              onChange={(e) => {
                const file = e.target.files?.[0];
                if (file) void importFile(file);
                e.target.value = "";
              }}
            />
          </label>
          <button type="button" onClick={() => void exportFile()}>
            Export YAML
          </button>
          <button type="button" onClick={() => setScenes(addScene(board.scenes))}>
            Add scene
          </button>
          <button type="button" className="primary" onClick={() => render.mutate()} disabled={render.isPending}>
            {render.isPending ? "Sending…" : "Render"}
          </button>
        </div>
      </header>
      {importNote && (
        <p className="muted" role="status">
          {importNote}
        </p>
      )}
      {problems.general && (
        <p className="field-error" role="alert">
          {problems.general}
        </p>
      )}
      <p className="visually-hidden" aria-live="polite">
        {announce}
      </p>
      <datalist id="storyboard-models">
        {models.data?.map((model) => (
          <option key={model.id} value={model.id} />
        ))}
      </datalist>
      <datalist id="storyboard-styles">
        {styles.data?.map((style) => (
          <option key={style.name} value={style.name} />
        ))}
      </datalist>
      <div className="storyboard-body">
        <DefaultsPanel board={board} errors={problems.settings} onChange={update} />
        <div className="storyboard-main">
          {jobId !== null && (
            <section className="render-panel" aria-label="Render">
              <h2>Render</h2>
              <RenderPanel key={jobId} jobId={jobId} />
            </section>
          )}
          <ol className="scene-list" aria-label="Scenes">
            {board.scenes.map((scene, index) => (
              <li key={scene.uid}>
                <SceneCard
                  scene={scene}
                  index={index}
                  count={board.scenes.length}
                  errors={problems.scenes[index] ?? {}}
                  onChange={(next) => setScenes(board.scenes.map((s, i) => (i === index ? next : s)))}
                  onMove={(to) => move(index, to)}
                  onDuplicate={() => setScenes(duplicateScene(board.scenes, index))}
                  onRemove={() => setScenes(removeScene(board.scenes, index))}
                  onDragStart={setDragFrom}
                  onDropOn={(to) => {
                    if (dragFrom !== null) move(dragFrom, to);
                    setDragFrom(null);
                  }}
                  onDragEnd={() => setDragFrom(null)}
                  dragging={dragFrom === index}
                />
              </li>
            ))}
          </ol>
          <button type="button" className="add-scene" onClick={() => setScenes(addScene(board.scenes))}>
            + Add a scene
          </button>
        </div>
      </div>
    </section>
  );
}

export default StoryboardPage;
