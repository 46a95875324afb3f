// The recipe of one image in the lightbox: its infotext (what the pipeline saw, style words included), the
// settings that made it, and "Use these settings".
import { useState } from "react";
import type { GalleryArtifact } from "./types";

interface RecipeDetailsProps {
  artifact: GalleryArtifact;
  onUse: (artifact: GalleryArtifact) => void;
}

export function RecipeDetails({ artifact, onUse }: RecipeDetailsProps) {
  const [copied, setCopied] = useState(false);
  const rows: [string, string | number | null][] = [
    ["Model", artifact.model],
    ["Style", artifact.style],
    ["Seed", artifact.seed],
    ["Size", `${artifact.width} × ${artifact.height}`],
    ["Steps", artifact.steps],
    ["CFG", artifact.guidance],
    ["Sampler", artifact.sampler],
  ];
  const copy = async () => {
    await navigator.clipboard?.writeText(artifact.prompt ?? "");
    setCopied(true);
  };
  return (
    <div className="recipe">
      <h3>Prompt</h3>
      <p className="recipe-prompt">{artifact.prompt}</p>
      <dl className="recipe-table">
        {rows
          .filter(([, value]) => value !== null && value !== "")
          .map(([name, value]) => (
            <div key={name}>
              <dt>{name}</dt>
              <dd>{value}</dd>
            </div>
          ))}
      </dl>
      {artifact.infotext && (
        <>
          <h3>Infotext</h3>
          <pre className="infotext" aria-label="Infotext">
            {artifact.infotext}
          </pre>
        </>
      )}
      <div className="recipe-actions">
        <button type="button" className="primary" data-autofocus onClick={() => onUse(artifact)}>
          Use these settings
        </button>
        <button type="button" onClick={() => void copy()}>
          {copied ? "Copied" : "Copy prompt"}
        </button>
        <a className="button" href={artifact.url} download>
          Download
        </a>
      </div>
    </div>
  );
}
