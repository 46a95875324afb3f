// The gallery's search filters and the URL query string they live in (so a reload or a shared link keeps them),
// and the API query they make. Form values stay strings; only valid ones reach the API.

export interface GalleryFilters {
  /** Text in the prompt, any case. */
  q: string;
  model: string;
  style: string;
  seed: string;
  /** "WIDTHxHEIGHT", e.g. 1024x768. */
  size: string;
  /** YYYY-MM-DD, inclusive. */
  since: string;
  /** YYYY-MM-DD, inclusive. */
  until: string;
  job: string;
  board: string;
  /** "", "image" or "video". */
  media: string;
  starred: boolean;
}

export const EMPTY_FILTERS: GalleryFilters = {
  q: "",
  model: "",
  style: "",
  seed: "",
  size: "",
  since: "",
  until: "",
  job: "",
  board: "",
  media: "",
  starred: false,
};

const TEXT_KEYS = ["q", "model", "style", "seed", "size", "since", "until", "job", "board", "media"] as const;
const MEDIA = ["image", "video"];
type TextKey = (typeof TEXT_KEYS)[number];

const SIZE = /^\s*(\d{1,6})\s*[x×]\s*(\d{1,6})\s*$/i;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function filtersFromSearch(search: string): GalleryFilters {
  const params = new URLSearchParams(search);
  const filters: GalleryFilters = { ...EMPTY_FILTERS };
  for (const key of TEXT_KEYS) filters[key] = params.get(key) ?? "";
  filters.starred = params.get("starred") === "true";
  return filters;
}

/** The query string of these filters (without "?"), empty values left out, in a stable order. Values are kept as
 * typed (a trailing space too: the search box reads its value back from the URL while the user types). */
export function searchFromFilters(filters: GalleryFilters): string {
  const params = new URLSearchParams();
  for (const key of TEXT_KEYS) {
    if (filters[key] !== "") params.set(key, filters[key]);
  }
  if (filters.starred) params.set("starred", "true");
  return params.toString();
}

/** What is wrong with a filter the user typed, by field; an invalid filter is not sent. */
export function filterErrors(filters: GalleryFilters): Partial<Record<TextKey, string>> {
  const errors: Partial<Record<TextKey, string>> = {};
  const seed = filters.seed.trim();
  if (seed !== "" && !/^\d{1,20}$/.test(seed)) errors.seed = "A seed is a whole number, e.g. 42";
  const size = filters.size.trim();
  if (size !== "" && !SIZE.test(size)) errors.size = "Write the size as width x height, e.g. 1024x768";
  for (const key of ["since", "until"] as const) {
    const value = filters[key].trim();
    if (value !== "" && !DATE.test(value)) errors[key] = "Pick a date (YYYY-MM-DD)";
  }
  if (filters.media !== "" && !MEDIA.includes(filters.media)) errors.media = "Choose images or videos";
  if (!errors.since && !errors.until && filters.since && filters.until && filters.since > filters.until) {
    errors.until = "The end date is before the start date";
  }
  return errors;
}

/** The `GET /v1/artifacts` parameters of these filters (no limit or cursor). */
export function toApiQuery(filters: GalleryFilters): URLSearchParams {
  const errors = filterErrors(filters);
  const params = new URLSearchParams();
  for (const key of ["q", "model", "style", "seed", "since", "until", "job", "board", "media"] as const) {
    const value = filters[key].trim();
    if (value !== "" && errors[key] === undefined) params.set(key, value);
  }
  const size = SIZE.exec(filters.size);
  if (size !== null) {
    params.set("width", String(Number(size[1])));
    params.set("height", String(Number(size[2])));
  }
  if (filters.starred) params.set("starred", "true");
  return params;
}

/** Whether any search field (not the board or starred view) is filled in. */
export function hasSearch(filters: GalleryFilters): boolean {
  return TEXT_KEYS.some((key) => key !== "board" && filters[key].trim() !== "");
}
