import { useId, useMemo, useState } from "react";
import { ITEMS_PAGE_SIZE } from "./api";
import { ItemCard } from "./ItemCard";
import { useJobArtifacts, useJobItems } from "./queries";
import type { Job } from "./types";
import { isActive } from "./types";

const FILTERS = [
  ["", "All"],
  ["pending", "Pending"],
  ["running", "Running"],
  ["done", "Done"],
  ["failed", "Failed"],
  ["canceled", "Canceled"],
] as const;

/** A job's items a page at a time, each with its result or error; a filter by state finds the failed ones. */
export function ItemsSection({ job }: { job: Job }) {
  const filterId = useId();
  const [state, setState] = useState<string | null>(null);
  const [offset, setOffset] = useState(0);
  const live = isActive(job);
  const items = useJobItems(job.id, offset, state, live);
  const artifacts = useJobArtifacts(job.id, live);
  const byItem = useMemo(() => new Map((artifacts.data ?? []).map((a) => [a.item_id, a])), [artifacts.data]);
  const page = items.data;
  const count = state === null ? job.total : (job.counts[state as keyof Job["counts"]] ?? 0);
  const last = page ? page.offset + page.data.length : offset;

  return (
    <section className="job-section" aria-labelledby="job-items-heading">
      <div className="items-toolbar">
        <h2 id="job-items-heading">Items</h2>
        <label htmlFor={filterId}>Show</label>
        <select
          id={filterId}
          value={state ?? ""}
          onChange={(event) => {
            setState(event.target.value === "" ? null : event.target.value);
            setOffset(0);
          }}
        >
          {FILTERS.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
        <span className="muted" aria-live="polite">
          {page && page.data.length > 0 ? `${page.offset + 1}–${last} of ${count}` : ""}
        </span>
      </div>
      {items.isError && <p className="field-error">Could not load the items: {items.error.message}</p>}
      {page && page.data.length === 0 && <p className="muted">No items here.</p>}
      {page && page.data.length > 0 && (
        <ul className="item-grid" aria-label="Items">
          {page.data.map((item) => (
            <ItemCard key={item.id} item={item} artifact={byItem.get(item.id)} />
          ))}
        </ul>
      )}
      {page && (page.offset > 0 || page.next_offset !== null) && (
        <nav className="pager" aria-label="Item pages">
          <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - ITEMS_PAGE_SIZE))}>
            Previous items
          </button>
          <button
            type="button"
            disabled={page.next_offset === null}
            onClick={() => page.next_offset !== null && setOffset(page.next_offset)}
          >
            Next items
          </button>
        </nav>
      )}
    </section>
  );
}
