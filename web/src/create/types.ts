// Types of the Create page. Server shapes come from schema.d.ts; the few routes still being built on other
// branches are typed here from the contract (/work/notes/api_contract.md).
import type { components } from "../api/schema";

type Schemas = components["schemas"];
// (the listing answers `default_size` as a plain list)
export type ModelEntry = Omit<Schemas["ModelEntry"], "default_size"> & { default_size: number[] };
export type StyleEntry = Schemas["StyleEntry"];
export type Presets = Schemas["Presets"];
export type FamilyPresets = Schemas["FamilyPresets"];
export type TokensResponse = Schemas["TokensResponse"];
export type EncoderCount = Schemas["EncoderCount"];
export type ImageDefaults = Schemas["ImageDefaults"];
export type ImageSpec = Schemas["ImageSpec"];
export type GalleryArtifact = Schemas["GalleryArtifact"];
export type JobCreated = Schemas["JobCreated"];
export type BulkParsed = Schemas["BulkParsed"];

// Contract types, replace with schema.d.ts once branch `variations` is merged.
export type GridField = "prompt" | "seed" | "steps" | "guidance" | "style" | "model" | "sampler";
export interface GridAxisBody {
  field: GridField;
  values: (string | number)[];
}
export interface GridBody {
  axes: GridAxisBody[];
}

// Contract type, replace with schema.d.ts once branch `estimate` is merged.
export interface Estimate {
  items: number;
  batches: number;
  seconds: number | null;
  seconds_per_image: number | null;
  basis: string;
  queue_ahead_items: number;
}

/** The body of `POST /v1/jobs` for images as the Create page sends it (and `POST /v1/estimate`). */
export interface ImagesJobBody {
  kind: "images";
  prompts?: string[];
  items?: ImageSpec[];
  defaults: ImageDefaults;
  n: number;
  start_seed?: number;
  previews: boolean;
  grid?: GridBody;
}
