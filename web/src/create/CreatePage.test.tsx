import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CreatePage } from "../pages/CreatePage";

// The API client keeps the `fetch` and `Request` it finds when it is made: before any import, route its fetches to
// `fake.fetch` and let its requests take "/v1/..." as a browser does (Node's Request takes absolute URLs only).
const fake = vi.hoisted(() => {
  const NodeRequest = globalThis.Request;
  class PageRequest extends NodeRequest {
    constructor(input: RequestInfo | URL, init?: RequestInit) {
      super(typeof input === "string" ? new URL(input, "http://studio.test") : input, init);
    }
  }
  const holder: { fetch: typeof fetch; Request: typeof Request } = {
    fetch: () => Promise.reject(new Error("no fetch")),
    Request: PageRequest,
  };
  globalThis.Request = PageRequest;
  globalThis.fetch = (input, init) => holder.fetch(input, init);
  return holder;
});

const MODELS = {
  data: [
    {
      id: "tiny-sd",
      family: "tiny-sd",
      source: "builtin",
      description: "tiny",
      default: true,
      default_steps: 44,
      default_guidance: 7,
      default_size: [128, 128],
      size_multiple: 8,
      supports_negative: true,
      video: false,
    },
    { ...{ id: "tiny-svd", family: "tiny-svd", source: "builtin", description: "", default: false }, video: true },
  ],
};
const STYLES = {
  data: [
    { name: "Freestyle", prompt: "{prompt}", negative: "" },
    { name: "Cinematic", prompt: "cinematic film still of {prompt}, film grain", negative: "cartoon" },
  ],
};
const PRESETS = {
  families: {
    "tiny-sd": {
      quality_steps: { fast: 25, balanced: 44, high: 64, ultra: 84 },
      default_steps: 44,
      max_steps: 150,
      default_guidance: 7,
      default_megapixels: 0.016384,
      size_multiple: 8,
      min_side: 32,
      max_side: 1024,
      supports_negative: true,
      schedulers: ["default", "euler"],
    },
  },
  aspect_ratios: ["1:1", "16:9", "9:16"],
  formats: ["png", "webp"],
  qualities: ["fast", "balanced", "high", "ultra"],
};

type Answer = { status: number; body: unknown };
let jobAnswer: Answer;
const posted: { path: string; body: unknown }[] = [];

function answer(path: string, method: string, body: unknown): Answer {
  if (path === "/v1/models") return { status: 200, body: MODELS };
  if (path === "/v1/styles") return { status: 200, body: STYLES };
  if (path === "/v1/presets") return { status: 200, body: PRESETS };
  if (path === "/v1/artifacts") return { status: 200, body: { data: [], next_before: null } };
  if (path === "/v1/tokens") {
    return { status: 200, body: { model: "tiny-sd", family: "tiny-sd", encoders: [] } };
  }
  if (path === "/v1/jobs" && method === "POST") {
    posted.push({ path, body });
    return jobAnswer;
  }
  return { status: 404, body: { error: { type: "not_found", message: "no", field: null } } };
}

class FakeSocket {
  static readonly OPEN = 1;
  readyState = 0;
  onopen: (() => void) | null = null;
  onmessage: ((event: MessageEvent<string>) => void) | null = null;
  onclose: (() => void) | null = null;
  send = vi.fn();
  close() {}
}

beforeEach(() => {
  posted.length = 0;
  jobAnswer = { status: 202, body: { id: "J1", kind: "images", state: "queued", total: 4, links: {} } };
  vi.stubGlobal("WebSocket", FakeSocket);
  fake.fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = input instanceof Request ? input : new fake.Request(String(input), init);
      const text = await request.text();
      const { status, body } = answer(new URL(request.url).pathname, request.method, text ? JSON.parse(text) : null);
      return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
  });
});

afterEach(() => vi.unstubAllGlobals());

function renderPage() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <CreatePage />
    </QueryClientProvider>,
  );
}

describe("CreatePage", () => {
  it("names its controls exactly as issue 9 asks", async () => {
    renderPage();
    expect(screen.getByRole("textbox", { name: "Prompt" })).toBeTruthy();
    expect(screen.getByRole("textbox", { name: "Negative prompt" })).toBeTruthy();
    for (const name of ["Model", "Style", "Aspect ratio", "Seed"]) {
      expect(screen.getByRole("combobox", { name })).toBeTruthy();
    }
    expect(screen.getByRole("spinbutton", { name: "Number of images" })).toBeTruthy();
    expect(screen.getByRole("button", { name: "Generate" })).toBeTruthy();
    // image models only
    await waitFor(() => expect(screen.getByRole("option", { name: "tiny-sd (default)" })).toBeTruthy());
    expect(screen.queryByRole("option", { name: /tiny-svd/ })).toBeNull();
  });

  it("shows the chosen style's template and the size of the aspect ratio", async () => {
    renderPage();
    await screen.findByRole("option", { name: "Cinematic" });
    await userEvent.selectOptions(screen.getByRole("combobox", { name: "Style" }), "Cinematic");
    expect(screen.getByText("cinematic film still of {prompt}, film grain")).toBeTruthy();
    await userEvent.selectOptions(screen.getByRole("combobox", { name: "Aspect ratio" }), "16:9");
    expect(screen.getByText("168 × 96 · 0.016 MP")).toBeTruthy();
  });

  it("submits the form's job on Generate and on Ctrl+Enter", async () => {
    renderPage();
    await screen.findByRole("option", { name: "Cinematic" });
    const prompt = screen.getByRole("textbox", { name: "Prompt" });
    await userEvent.type(prompt, "a lighthouse");
    await userEvent.selectOptions(screen.getByRole("combobox", { name: "Style" }), "Cinematic");
    await userEvent.selectOptions(screen.getByRole("combobox", { name: "Aspect ratio" }), "16:9");
    await userEvent.selectOptions(screen.getByRole("combobox", { name: "Seed" }), "start");
    fireEvent.change(screen.getByRole("spinbutton", { name: "Seed value" }), { target: { value: "7" } });
    await userEvent.click(screen.getByRole("button", { name: "Generate" }));
    await waitFor(() => expect(posted).toHaveLength(1));
    expect(posted[0]?.body).toEqual({
      kind: "images",
      prompts: ["a lighthouse"],
      n: 4,
      previews: true,
      start_seed: 7,
      defaults: { style: "Cinematic", aspect: "16:9", format: "png" },
    });
    fireEvent.keyDown(prompt, { key: "Enter", ctrlKey: true });
    await waitFor(() => expect(posted).toHaveLength(2));
  });

  it("asks for a prompt before it sends anything", async () => {
    renderPage();
    await userEvent.click(screen.getByRole("button", { name: "Generate" }));
    expect(screen.getByRole("alert").textContent).toMatch(/Write what the image should show/);
    expect(posted).toHaveLength(0);
  });

  it("shows the API's error next to the field it names", async () => {
    jobAnswer = {
      status: 422,
      body: { error: { type: "invalid_input", message: "unknown style 'Noir'", field: "defaults.style" } },
    };
    renderPage();
    await screen.findByRole("option", { name: "Cinematic" });
    await userEvent.type(screen.getByRole("textbox", { name: "Prompt" }), "a fox");
    await userEvent.click(screen.getByRole("button", { name: "Generate" }));
    const styleField = screen.getByRole("combobox", { name: "Style" }).closest(".field") as HTMLElement;
    expect((await within(styleField).findByRole("alert")).textContent).toBe("unknown style 'Noir'");
    expect(screen.getByRole("combobox", { name: "Style" }).getAttribute("aria-invalid")).toBe("true");
  });
});
