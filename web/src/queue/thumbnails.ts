// Thumbnails of finished images: `GET /v1/artifacts/{id}/thumbnail?size=` (WebP, made once, cached as immutable).
import { artifactUrl } from "./api";

export function thumbnailUrl(artifactId: string, size: number): string {
  return `${artifactUrl(artifactId)}/thumbnail?size=${size}`;
}
