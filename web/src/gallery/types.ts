// The gallery's view of the artifacts and boards API: the generated schema's types (`npm run api`).
import type { components } from "../api/schema";

type Schemas = components["schemas"];

export type GalleryArtifact = Schemas["GalleryArtifact"];
export type GalleryPageData = Schemas["GalleryPage"];
export type Board = Schemas["BoardView"];
