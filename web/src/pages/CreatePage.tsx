// Create (`/`): the settings sidebar, the results with live previews, and the prompt box with token counts and
// the Bulk…, Grid… and Generate buttons. Generate (or Ctrl+Enter) submits one job; its images appear as they
// finish, previews while they denoise.
import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useMemo, useRef, useState, type KeyboardEvent } from "react";
import { ApiError } from "../api/client";
import { BulkDialog } from "../create/BulkDialog";
import { errorSlot, type ErrorSlot } from "../create/errors";
import { DEFAULT_FORM, jobBody, type FormValues } from "../create/form";
import { GridDialog } from "../create/GridDialog";
import { useJobFeed, type JobLive } from "../create/jobFeed";
import { Lightbox } from "../create/Lightbox";
import { PromptBox } from "../create/PromptBox";
import { chosenModel, RECENT_KEY, useModels, usePresets, useRecentArtifacts, useStyles, useTokenCounts } from "../create/queries";
import { RecipeDetails } from "../create/RecipeDetails";
import { recipeToForm, takeStashedRecipe } from "../create/recipe";
import { ResultsGrid, type PendingTile } from "../create/ResultsGrid";
import { plannedSize, SettingsPanel } from "../create/SettingsPanel";
import { useSubmitJob } from "../create/submit";
import type { GalleryArtifact, JobCreated } from "../create/types";
import "../create/create.css";

interface ActiveJob {
  id: string;
  total: number;
  width: number;
  height: number;
}

const REFETCH_THROTTLE_MS = 400;

export function CreatePage() {
  // "Use these settings" from another page left a recipe to start from
  const [form, setForm] = useState<FormValues>(() => ({ ...DEFAULT_FORM, ...takeStashedRecipe() }));
  const [errors, setErrors] = useState<Partial<Record<ErrorSlot, string>>>({});
  const [active, setActive] = useState<ActiveJob[]>([]);
  const [dialog, setDialog] = useState<"bulk" | "grid" | null>(null);
  const [opened, setOpened] = useState<number | null>(null);
  const promptRef = useRef<HTMLDivElement>(null);

  const models = useModels();
  const styles = useStyles();
  const presets = usePresets();
  const recent = useRecentArtifacts();
  const model = chosenModel(models.data, form.model);
  const family = model ? presets.data?.families[model.family] : undefined;
  const style = styles.data?.find((s) => s.name === form.style);
  const tokens = useTokenCounts(form.prompt, model?.id ?? form.model, style?.prompt ?? null);

  const set = useCallback((changes: Partial<FormValues>) => setForm((current) => ({ ...current, ...changes })), []);

  // results: refetch my newest images as items finish, at most every REFETCH_THROTTLE_MS
  const queryClient = useQueryClient();
  const refetchTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const onItemDone = useCallback(() => {
    if (refetchTimer.current !== null) return;
    refetchTimer.current = setTimeout(() => {
      refetchTimer.current = null;
      void queryClient.invalidateQueries({ queryKey: RECENT_KEY });
    }, REFETCH_THROTTLE_MS);
  }, [queryClient]);
  const activeIds = useMemo(() => active.map((job) => job.id), [active]);
  const live = useJobFeed(activeIds, onItemDone);

  const onCreated = useCallback(
    (job: JobCreated) => {
      const size = plannedSize(form, family) ?? [1, 1];
      setActive((jobs) => [{ id: job.id, total: job.total, width: size[0], height: size[1] }, ...jobs]);
    },
    [form, family],
  );
  const submit = useSubmitJob(onCreated);

  const generate = () => {
    if (!form.prompt.trim()) {
      setErrors({ prompt: "Write what the image should show." });
      return;
    }
    setErrors({});
    submit.mutate(jobBody(form), {
      onError: (error) => {
        if (error instanceof ApiError) setErrors({ [errorSlot(error.field)]: error.message });
        else setErrors({ general: error.message });
      },
    });
  };
  const onKeyDown = (event: KeyboardEvent) => {
    const inDialog = event.target instanceof Element && event.target.closest('[role="dialog"]') !== null;
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && !inDialog) {
      event.preventDefault();
      generate();
    }
  };

  const artifacts = useMemo(() => recent.data ?? [], [recent.data]);
  const pending = pendingTiles(active, live, artifacts);
  const failures = failureLines(active, live);
  const useSettings = (artifact: GalleryArtifact) => {
    setForm((current) => ({ ...current, ...recipeToForm(artifact) }));
    setErrors({});
    setOpened(null);
    promptRef.current?.querySelector("textarea")?.focus();
  };

  return (
    <div className="create" onKeyDown={onKeyDown}>
      <h1 className="visually-hidden">Create</h1>
      <aside className="create-settings" aria-label="Settings">
        <SettingsPanel
          form={form}
          set={set}
          models={models.data ?? []}
          model={model}
          family={family}
          styles={styles.data ?? []}
          presets={presets.data}
          errors={errors}
        />
      </aside>
      <section className="create-results" aria-label="Results and previews">
        {failures.length > 0 && (
          <div className="failures" role="status">
            {failures.map((line) => (
              <p key={line}>{line}</p>
            ))}
          </div>
        )}
        {recent.error && <p className="field-error">Could not load the results: {recent.error.message}</p>}
        <ResultsGrid pending={pending} artifacts={artifacts} loading={recent.isPending} onOpen={setOpened} />
      </section>
      <section className="create-prompt" ref={promptRef} aria-label="Compose">
        <PromptBox
          value={form.prompt}
          onChange={(prompt) => set({ prompt })}
          counts={tokens.data}
          template={style?.prompt ?? null}
          error={errors.prompt}
        />
        <div className="prompt-actions">
          {errors.general && (
            <p className="field-error" role="alert">
              {errors.general}
            </p>
          )}
          <button type="button" onClick={() => setDialog("bulk")}>
            Bulk…
          </button>
          <button type="button" onClick={() => setDialog("grid")}>
            Grid…
          </button>
          <button type="button" className="primary" onClick={generate} disabled={submit.isPending}>
            Generate
          </button>
        </div>
      </section>

      {dialog === "bulk" && <BulkDialog form={form} onClose={() => setDialog(null)} onCreated={onCreated} />}
      {dialog === "grid" && <GridDialog form={form} onClose={() => setDialog(null)} onCreated={onCreated} />}
      {opened !== null && (
        <Lightbox
          items={artifacts}
          index={opened}
          onIndex={setOpened}
          onClose={() => setOpened(null)}
          title={(a) => a.prompt ?? "Image"}
          media={(a) => <img className="lightbox-image" src={a.url} alt={a.prompt ?? ""} width={a.width} height={a.height} />}
          details={(a) => <RecipeDetails artifact={a} onUse={useSettings} />}
        />
      )}
    </div>
  );
}

/** Tiles for the items of my active jobs that have no image in the results yet. */
export function pendingTiles(
  jobs: ActiveJob[],
  live: Record<string, JobLive>,
  artifacts: GalleryArtifact[],
): PendingTile[] {
  const finished = new Set(artifacts.map((a) => `${a.job_id}:${a.index}`));
  const tiles: PendingTile[] = [];
  for (const job of jobs) {
    const state = live[job.id];
    for (let index = 0; index < job.total; index += 1) {
      if (finished.has(`${job.id}:${index}`) || state?.failed[index] !== undefined) continue;
      if (state?.ended && !state.done.includes(index)) continue; // canceled with the job
      tiles.push({
        key: `${job.id}:${index}`,
        width: job.width,
        height: job.height,
        preview: state?.previews[index],
        progress: tileProgress(state, index),
      });
    }
  }
  return tiles;
}

function tileProgress(state: JobLive | undefined, index: number): string {
  if (state === undefined || state.state === "" || state.state === "queued") return "Queued";
  if (state.done.includes(index)) return "Done";
  return state.steps ? `Step ${state.step}/${state.steps}` : "Starting";
}

function failureLines(jobs: ActiveJob[], live: Record<string, JobLive>): string[] {
  return jobs.flatMap((job) => {
    const failed = Object.values(live[job.id]?.failed ?? {});
    const why = failed[0];
    if (why === undefined) return [];
    return [`${failed.length} of ${job.total} images of job ${job.id} failed: ${why}`];
  });
}
