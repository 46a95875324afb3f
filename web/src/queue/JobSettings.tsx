import type { ItemView, PlannedImage } from "./types";

export function isImageItem(item: ItemView["item"]): item is PlannedImage {
  return "prompt" in item;
}

/** The job's settings, as its first item was planned (style applied, size resolved); prompts and seeds vary by
 * item and show with each item. */
export function JobSettings({ first }: { first: ItemView | undefined }) {
  if (first === undefined) return null;
  const item = first.item;
  const rows: [string, string][] = isImageItem(item)
    ? [
        ["Model", item.model],
        ["Size", `${item.width} × ${item.height}`],
        ["Steps", String(item.steps)],
        ["Guidance", String(item.guidance)],
        ["Sampler", item.scheduler],
        ["Style", item.style ?? "none"],
        ["Quality", item.quality ?? "default"],
        ["Format", `${item.output_format.toUpperCase()}${item.output_format === "png" ? "" : ` (${item.output_quality})`}`],
        ["First seed", String(item.seed)],
      ]
    : [
        ["Kind", item.kind],
        ["Model", item.model],
      ];
  return (
    <section className="job-section" aria-labelledby="job-settings-heading">
      <h2 id="job-settings-heading">Settings</h2>
      <dl className="job-settings">
        {rows.map(([name, value]) => (
          <div key={name}>
            <dt>{name}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      {isImageItem(item) && item.negative_prompt !== "" && (
        <p className="job-negative">
          <span className="muted">Negative prompt:</span> {item.negative_prompt}
        </p>
      )}
    </section>
  );
}
