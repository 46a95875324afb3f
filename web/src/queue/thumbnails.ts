// Thumbnails of finished images. `GET /v1/artifacts/{id}/thumbnail?size=` is the contract's (branch gallery);
// until it is merged the full file is shown, sized by the <img>'s width and height attributes.
import { artifactUrl } from "./api";

/** Flip once the gallery branch (the thumbnail route) is merged. */
export const HAS_THUMBNAIL_ROUTE = false;

export function thumbnailUrl(artifactId: string, size: number): string {
  if (!HAS_THUMBNAIL_ROUTE) return artifactUrl(artifactId);
  return `${artifactUrl(artifactId)}/thumbnail?size=${size}`;
}
