// Types of the Create page: the generated schema's types (`npm run api`), and the body the page sends.
import type { components } from "../api/schema";

type Schemas = components["schemas"];
// as the client answers it: openapi-fetch's response types turn the `[width, height]` tuple into a plain list
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

export type GridAxisBody = Schemas["GridAxis"];
export type GridField = GridAxisBody["field"];
export type GridBody = Schemas["GridSpec"];
export type Estimate = Schemas["Estimate"];

/** The body of `POST /v1/jobs` for images as the Create page sends it (and `POST /v1/estimate`): the request
 * without what the page leaves to the server (priority, save, micro-batch, prefix, webhook, dedupe), always with its
 * `defaults`. */
export type ImagesJobBody = Omit<
  Schemas["ImagesJobRequest"],
  "priority" | "save" | "micro_batch" | "prefix" | "webhook_url" | "dedupe" | "defaults"
> & { defaults: ImageDefaults };
