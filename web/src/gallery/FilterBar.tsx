// The search over the whole library: prompt text up front, model, style, seed, size, dates and job behind
// "Filters". Typing waits a moment before the URL (and the query) follow.
import { useEffect, useId, useState } from "react";
import { EMPTY_FILTERS, filterErrors, hasSearch, type GalleryFilters } from "./filters";
import { useModelIds, useStyleNames } from "./queries";

const DEBOUNCE_MS = 300;

interface Props {
  filters: GalleryFilters;
  onChange: (filters: GalleryFilters) => void;
}

type Key = "model" | "style" | "seed" | "size" | "since" | "until" | "job" | "media";

const FIELDS: { key: Key; label: string; type: string; placeholder?: string; list?: "models" | "styles" }[] = [
  { key: "model", label: "Model", type: "text", list: "models" },
  { key: "style", label: "Style", type: "text", list: "styles" },
  { key: "seed", label: "Seed", type: "text", placeholder: "e.g. 42" },
  { key: "size", label: "Size", type: "text", placeholder: "e.g. 1024x768" },
  { key: "since", label: "From", type: "date" },
  { key: "until", label: "To", type: "date" },
  { key: "job", label: "Job", type: "text", placeholder: "job id" },
];

export function FilterBar({ filters, onChange }: Props) {
  const [draft, setDraft] = useState(filters);
  const [shown, setShown] = useState(filters);
  const id = useId();
  const models = useModelIds();
  const styles = useStyleNames();

  // The URL changed from outside (back button, a board picked): the form follows it.
  if (shown !== filters) {
    setShown(filters);
    setDraft(filters);
  }

  useEffect(() => {
    if (draft === filters) return;
    const timer = window.setTimeout(() => onChange(draft), DEBOUNCE_MS);
    return () => window.clearTimeout(timer);
  }, [draft, filters, onChange]);

  const errors = filterErrors(draft);
  const set = (key: Key | "q", value: string) => setDraft((now) => ({ ...now, [key]: value }));
  const extra = FIELDS.filter((field) => draft[field.key] !== "").length + (draft.media !== "" ? 1 : 0);
  // Open at first when the URL has such filters; after that the user opens and closes it.
  const [openAtFirst] = useState(extra > 0);

  return (
    <div role="search" className="g-filters">
      <div className="g-search-row">
        <input
          type="search"
          aria-label="Search prompts"
          placeholder="Search prompts…"
          value={draft.q}
          onChange={(event) => set("q", event.target.value)}
        />
        {hasSearch(draft) && (
          <button type="button" onClick={() => setDraft({ ...EMPTY_FILTERS, board: draft.board, starred: draft.starred })}>
            Clear search
          </button>
        )}
      </div>
      <details className="g-more" open={openAtFirst}>
        <summary>Filters{extra > 0 ? ` (${extra})` : ""}</summary>
        <div className="g-fields">
          {FIELDS.map((field) => (
            <label key={field.key} className="g-field">
              <span>{field.label}</span>
              <input
                type={field.type}
                value={draft[field.key]}
                placeholder={field.placeholder}
                list={field.list ? `${id}-${field.list}` : undefined}
                aria-invalid={errors[field.key] !== undefined}
                aria-describedby={errors[field.key] ? `${id}-${field.key}-error` : undefined}
                onChange={(event) => set(field.key, event.target.value)}
              />
              {errors[field.key] && (
                <span id={`${id}-${field.key}-error`} className="field-error">
                  {errors[field.key]}
                </span>
              )}
            </label>
          ))}
          <label className="g-field">
            <span>Media</span>
            <select value={draft.media} onChange={(event) => set("media", event.target.value)}>
              <option value="">Images and videos</option>
              <option value="image">Images</option>
              <option value="video">Videos</option>
            </select>
          </label>
        </div>
        <datalist id={`${id}-models`}>
          {models.data?.map((model) => <option key={model} value={model} />)}
        </datalist>
        <datalist id={`${id}-styles`}>
          {styles.data?.map((style) => <option key={style} value={style} />)}
        </datalist>
      </details>
    </div>
  );
}
