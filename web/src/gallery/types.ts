// Contract types of the gallery API (notes/api_contract.md, branch `gallery`'s kiln/api/schemas/gallery.py).
// Replace with schema.d.ts's components once the gallery routes are merged and `npm run api` has run.

export interface GalleryArtifact {
  id: string;
  index: number;
  item_id: number;
  url: string;
  content_type: string;
  size_bytes: number;
  width: number;
  height: number;
  metadata: Record<string, unknown>;
  created_at: string;
  job_id: string;
  prompt: string | null;
  negative_prompt: string | null;
  model: string | null;
  style: string | null;
  seed: number | null;
  steps: number | null;
  guidance: number | null;
  sampler: string | null;
  infotext: string | null;
  starred: boolean;
  /** Ids of my boards that hold it. */
  boards: string[];
  thumbnail_url: string;
}

export interface GalleryPageData {
  data: GalleryArtifact[];
  /** Pass as `before` for the next page; null on the last. */
  next_before: string | null;
}

export interface Board {
  id: string;
  name: string;
  count: number;
  cover_artifact_id: string | null;
  created_at: string;
}
