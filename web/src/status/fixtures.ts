// A status as GET /v1/status answers it, for unit tests.
import type { ServiceStatus } from "./status";

export const SEEN_AT = "2025-06-01T12:00:00Z";

export const STATUS: ServiceStatus = {
  version: "0.1.0",
  auth: "on",
  workers: [
    {
      worker_id: "gpu-box-1234-cuda0",
      host: "gpu-box",
      device: "cuda:0",
      state: "busy",
      models: ["tiny-sd", "sdxl-turbo"],
      images: 1520,
      seen_at: SEEN_AT,
    },
  ],
  queue: { queued_items: 14, running_items: 2, queued_jobs: 3, running_jobs: 1 },
  usage: {
    owner: "01JKEY",
    key_name: "A",
    images_last_24h: 120,
    quota: 500,
    remaining: 380,
    remote_cost_usd_last_24h: 0,
    window_hours: 24,
    rule: "images per rolling 24 hours",
  },
};
