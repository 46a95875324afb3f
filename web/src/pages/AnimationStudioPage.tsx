// The animation studio (/studio): engine config in the left sidebar, the keyframe editor with beat sync, the live
// view of the production and its controls. The production is a job (`kind: "animation"`): its id is in the
// address (`?job=`), so a reload or another tab shows the same run; the page's own draft (config, keyframes, and
// the request last sent) is kept per job in sessionStorage.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useMemo, useRef, useState } from "react";
import { useLocation, useSearch } from "wouter";
import { ApiError } from "../api/client";
import { getJobWithResults, latestAnimation, productionRequest, sendControl, submitAnimation, type Command } from "../animation/api";
import { BeatSync } from "../animation/BeatSync";
import { Controls } from "../animation/Controls";
import { EngineSidebar } from "../animation/EngineSidebar";
import { KeyframeEditor } from "../animation/KeyframeEditor";
import { useLiveAnimation } from "../animation/live";
import { LiveView } from "../animation/LiveView";
import { requestToDraft } from "../animation/restore";
import {
  buildRequest,
  COLUMNS,
  DEFAULT_CONFIG,
  editChanges,
  EMPTY_TABLE,
  type AnimationBody,
  type EngineConfig,
  type KeyframeTable,
} from "../animation/production";
import { isActive } from "../queue/types";
import "../create/create.css";
import "../animation/animation.css";

interface Draft {
  config: EngineConfig;
  table: KeyframeTable;
  sent: AnimationBody | null; // the request the production runs with (edits applied)
  bpm: number;
}

const DRAFT_KEY = "kiln.animation.draft";

function storedDraft(key: string): Draft | null {
  try {
    const raw = sessionStorage.getItem(key);
    return raw === null ? null : (JSON.parse(raw) as Draft);
  } catch {
    return null; // an unreadable draft is dropped
  }
}

function loadDraft(jobId: string | null): Draft {
  const stored = (jobId === null ? null : storedDraft(`${DRAFT_KEY}.${jobId}`)) ?? storedDraft(DRAFT_KEY);
  return stored ?? { config: DEFAULT_CONFIG, table: EMPTY_TABLE, sent: null, bpm: 120 };
}

function saveDraft(jobId: string | null, draft: Draft): void {
  const text = JSON.stringify(draft);
  sessionStorage.setItem(DRAFT_KEY, text);
  if (jobId !== null) sessionStorage.setItem(`${DRAFT_KEY}.${jobId}`, text);
}


/** An API error's field (`items.0.zoom`, `changes.strength`) → the request field it names. */
function requestField(field: string | null): string {
  if (field === null) return "general";
  return field.replace(/^items\.\d+\./, "").replace(/^changes\./, "").split(".")[0] ?? "general";
}

export default function AnimationStudioPage() {
  const search = useSearch();
  const [, navigate] = useLocation();
  const jobId = new URLSearchParams(search).get("job");
  const [draft, setDraftState] = useState<Draft>(() => loadDraft(jobId));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const idCounter = useRef(0);
  // new keyframe ids: above every id of the table (called from event handlers, a few times in a row by beat sync)
  const nextId = () => {
    idCounter.current = Math.max(idCounter.current, ...draft.table.rows.map((row) => row.id)) + 1;
    return idCounter.current;
  };
  const client = useQueryClient();

  const setDraft = (change: Partial<Draft>) =>
    setDraftState((old) => {
      const next = { ...old, ...change };
      saveDraft(jobId, next);
      return next;
    });

  const job = useQuery({
    queryKey: ["animation", "job", jobId],
    queryFn: ({ signal }) => getJobWithResults(jobId ?? "", signal),
    enabled: jobId !== null,
    refetchInterval: (query) => (query.state.data && !isActive(query.state.data) ? false : 2000),
  });
  // A production opened without this tab's draft of it (another browser, a link): its request fills the form.
  const needsRequest = jobId !== null && storedDraft(`${DRAFT_KEY}.${jobId}`) === null;
  const request = useQuery({
    queryKey: ["animation", "request", jobId],
    queryFn: ({ signal }) => productionRequest(jobId ?? "", signal),
    enabled: needsRequest,
    staleTime: Infinity,
  });
  const [restoredFor, setRestoredFor] = useState<string | null>(null);
  if (needsRequest && request.data && restoredFor !== jobId) {
    const restored = requestToDraft(request.data);
    setRestoredFor(jobId);
    setDraftState({ config: restored.config, table: restored.table, sent: request.data, bpm: draft.bpm });
    setNotice(restored.notes.length > 0 ? `Opened the production: ${restored.notes.join("; ")}.` : null);
  }
  const live = useLiveAnimation(jobId, (event) => {
    if (event.type === "job.state" || event.type === "item.done" || event.type === "ws.end") {
      void client.invalidateQueries({ queryKey: ["animation", "job", jobId] });
    }
  });
  const state = job.data?.state ?? null;
  const running = job.data !== undefined && isActive(job.data);
  const video = job.data?.results?.find((result) => result.content_type.startsWith("video/")) ?? null;

  const wanted = useMemo(() => {
    try {
      return buildRequest(draft.config, draft.table);
    } catch {
      return null;
    }
  }, [draft.config, draft.table]);
  const changes = draft.sent !== null && wanted !== null ? editChanges(draft.sent, wanted) : {};

  const showError = (err: unknown) => {
    if (err instanceof ApiError) {
      const field = requestField(err.field);
      const usesTable = (COLUMNS as readonly string[]).includes(field) || field === "seed_schedule" || field === "interpolation";
      setErrors({ [usesTable && draft.table.rows.length > 0 ? "keyframes" : field]: err.message });
      if (field === "general") setNotice(err.message);
    } else setNotice(err instanceof Error ? err.message : String(err));
  };

  const act = async (work: () => Promise<void>) => {
    setBusy(true);
    setErrors({});
    setNotice(null);
    try {
      await work();
    } catch (err) {
      showError(err);
    } finally {
      setBusy(false);
      void client.invalidateQueries({ queryKey: ["animation", "job", jobId] });
    }
  };
  const control = (command: Command) => act(async () => (jobId === null ? undefined : sendControl(jobId, command)));

  const onNew = () =>
    act(async () => {
      const body = buildRequest(draft.config, draft.table);
      const created = await submitAnimation(body);
      const next = { ...draft, sent: body };
      saveDraft(created.id, next);
      setDraftState(next);
      navigate(`/studio?job=${encodeURIComponent(created.id)}`);
    });
  const onResume = () =>
    act(async () => {
      if (jobId !== null && running) {
        await sendControl(jobId, { action: "resume" });
        return;
      }
      const latest = await latestAnimation();
      if (latest === null) setNotice("No production to resume yet: press New production.");
      else navigate(`/studio?job=${encodeURIComponent(latest)}`);
    });
  const onEdit = () =>
    act(async () => {
      if (jobId === null) return;
      await sendControl(jobId, { action: "edit", changes });
      setDraft({ sent: { ...draft.sent, ...changes } });
      setNotice(`Sent ${Object.keys(changes).join(", ")}: used from the next frame.`);
    });

  return (
    <div className="anim">
      <aside className="anim-side" aria-label="Engine config">
        <EngineSidebar config={draft.config} onChange={(config) => setDraft({ config })} errors={errors} running={running} />
      </aside>
      <div className="anim-main">
        <h1 className="visually-hidden">Animation studio</h1>
        <Controls
          running={running}
          paused={live.paused}
          busy={busy}
          edits={Object.keys(changes).length}
          onNew={onNew}
          onResume={onResume}
          onPause={() => void control({ action: live.paused ? "resume" : "pause" })}
          onStop={() => void control({ action: "stop" })}
          onTeleport={(image) =>
            void act(async () => {
              if (jobId === null) return;
              await sendControl(jobId, { action: "teleport", image });
              setNotice("Teleport sent: the next frame starts from that image.");
            })
          }
          onEdit={onEdit}
        />
        {notice && (
          <p className="anim-notice" role={errors.general ? "alert" : "status"}>
            {notice}
          </p>
        )}
        <LiveView
          jobId={jobId}
          live={live}
          state={state}
          videoUrl={video?.url ?? null}
          frames={draft.config.frames}
        />
        <KeyframeEditor
          table={draft.table}
          onChange={(table) => setDraft({ table })}
          frames={draft.config.frames}
          fps={draft.config.fps}
          bpm={draft.bpm}
          onBpm={(bpm) => setDraft({ bpm })}
          nextId={nextId}
          error={errors.keyframes}
        />
        <BeatSync
          config={draft.config}
          onAudio={(audio) => setDraft({ config: { ...draft.config, audio } })}
          table={draft.table}
          onTable={(table) => setDraft({ table })}
          onBpm={(bpm) => setDraft({ bpm })}
          nextId={nextId}
          running={running}
        />
      </div>
    </div>
  );
}
