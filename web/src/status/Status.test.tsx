import { screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { StatusView } from "../pages/StatusPage";
import { json, renderWithQueries, stubApi } from "../testing/fakeApi";
import { SEEN_AT, STATUS } from "./fixtures";
import { StatusLine } from "./StatusLine";
import { ago } from "./status";

afterEach(() => vi.unstubAllGlobals());

describe("the Status page", () => {
  it("shows each worker's device and models, the queue, my usage against my quota and the version", () => {
    renderWithQueries(<StatusView status={STATUS} now={Date.parse(SEEN_AT) + 3_000} />);
    const worker = screen.getByRole("listitem", { name: "Worker gpu-box-1234-cuda0" });
    expect(worker.textContent).toContain("cuda:0");
    expect(worker.textContent).toContain("on gpu-box");
    expect(worker.textContent).toContain("1,520 images made · seen 3 s ago");
    expect(within(worker).getByLabelText("Loaded models").textContent).toContain("tiny-sdsdxl-turbo");
    expect(screen.getByRole("heading", { name: "Workers (1 alive)" })).toBeTruthy();
    expect(screen.getByText("2 images in 1 job")).toBeTruthy();
    expect(screen.getByText("14 images in 3 jobs")).toBeTruthy();
    expect(screen.getByText("120 of 500 images")).toBeTruthy();
    expect(screen.getByText("380 images")).toBeTruthy();
    expect(screen.getByRole("meter", { name: "Quota used" }).getAttribute("value")).toBe("120");
    expect(screen.getByText("version 0.1.0")).toBeTruthy();
  });

  it("says when no worker is alive and when a key has no quota", () => {
    const idle = { ...STATUS, workers: [], usage: { ...STATUS.usage, quota: null, remaining: null } };
    renderWithQueries(<StatusView status={idle} now={0} />);
    expect(screen.getByText(/No worker is alive/)).toBeTruthy();
    expect(screen.getByText("120 images (no quota)")).toBeTruthy();
    expect(screen.queryByRole("meter")).toBeNull();
  });
});

describe("the status line", () => {
  it("counts running and queued images and links to the Status page", async () => {
    stubApi({ "GET /v1/status": () => json(200, STATUS) });
    renderWithQueries(<StatusLine />);
    const line = await screen.findByRole("link", { name: "Status: 1 worker alive" });
    expect(line.textContent).toContain("● 2 running · 14 queued");
    expect(line.getAttribute("href")).toBe("/status");
  });
});

describe("ago", () => {
  it("says how long ago in seconds, minutes or hours", () => {
    const now = Date.parse(SEEN_AT);
    expect(ago(SEEN_AT, now + 4_400)).toBe("4 s ago");
    expect(ago(SEEN_AT, now + 5 * 60_000)).toBe("5 min ago");
    expect(ago(SEEN_AT, now + 3 * 3_600_000)).toBe("3 h ago");
  });
});
