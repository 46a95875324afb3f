import { fireEvent, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { apiError, json, renderWithQueries, stubApi } from "../testing/fakeApi";
import { MediaPicker } from "./MediaPicker";
import type { MediaRef } from "./media";

function artifact(id: string, prompt: string, contentType = "image/png") {
  return {
    id, prompt, content_type: contentType, boards: [], created_at: "2026-01-01T00:00:00Z", guidance: null, height: 32,
    width: 32, index: 0, infotext: null, item_id: 1, job_id: "J", metadata: {}, model: "tiny-sd", negative_prompt: null,
    seed: 1, starred: false, steps: 2, style: null, url: `/v1/artifacts/${id}`, scheduler: null, size_bytes: 10,
  };
}

beforeEach(() => {
  // jsdom has no modal dialogs: open it as a plain one
  HTMLDialogElement.prototype.showModal = function showModal(this: HTMLDialogElement) {
    this.setAttribute("open", "");
  };
  HTMLDialogElement.prototype.close = function close(this: HTMLDialogElement) {
    this.removeAttribute("open");
  };
});
afterEach(() => vi.unstubAllGlobals());

describe("MediaPicker", () => {
  it("picks one image of the gallery as an artifact reference", async () => {
    const requests = stubApi({
      "GET /v1/artifacts": () => json(200, { data: [artifact("A1", "a red kite"), artifact("A2", "a blue kite")], next_before: null }),
    });
    const onPick = vi.fn<(refs: MediaRef[]) => void>();
    renderWithQueries(<MediaPicker label="still" kinds={["image"]} onPick={onPick} />);
    fireEvent.click(screen.getByRole("button", { name: "Choose still from the gallery" }));
    fireEvent.click(await screen.findByRole("button", { name: "Pick: a blue kite" }));
    expect(onPick).toHaveBeenCalledWith([expect.objectContaining({ ref: "artifact:A2", kind: "image", name: "a blue kite" })]);
    expect(new URL(requests[0]?.url ?? "").searchParams.get("media")).toBe("image");
  });

  it("with `multiple`, adds the ones toggled in the order clicked", async () => {
    stubApi({
      "GET /v1/artifacts": () =>
        json(200, { data: [artifact("A1", "one"), artifact("A2", "two"), artifact("A3", "three")], next_before: null }),
    });
    const onPick = vi.fn<(refs: MediaRef[]) => void>();
    renderWithQueries(<MediaPicker label="shots" kinds={["image"]} multiple onPick={onPick} />);
    fireEvent.click(screen.getByRole("button", { name: "Choose shots from the gallery" }));
    fireEvent.click(await screen.findByRole("button", { name: "Toggle: three" }));
    fireEvent.click(screen.getByRole("button", { name: "Toggle: one" }));
    expect(screen.getByRole("button", { name: "Toggle: three" }).getAttribute("aria-pressed")).toBe("true");
    fireEvent.click(screen.getByRole("button", { name: "Add 2 items" }));
    expect(onPick.mock.calls[0]?.[0].map((r) => r.ref)).toEqual(["artifact:A3", "artifact:A1"]);
  });

  it("uploads a file and hands back its upload reference, or shows the API's error", async () => {
    URL.createObjectURL = vi.fn(() => "blob:local");
    let answer = json(201, { id: "U1", ref: "upload:U1", filename: "song.wav", content_type: "audio/wav", bytes: 4 });
    const requests = stubApi({ "POST /v1/uploads": () => answer });
    const onPick = vi.fn<(refs: MediaRef[]) => void>();
    renderWithQueries(<MediaPicker label="music" kinds={["audio"]} onPick={onPick} />);
    expect(screen.queryByRole("button", { name: /from the gallery/ })).toBeNull(); // audio: uploads only
    const input = screen.getByLabelText("Upload music");
    fireEvent.change(input, { target: { files: [new File(["RIFF"], "song.wav", { type: "audio/wav" })] } });
    await waitFor(() => expect(onPick).toHaveBeenCalled());
    expect(onPick.mock.calls[0]?.[0][0]).toMatchObject({ ref: "upload:U1", kind: "audio", name: "song.wav", url: "blob:local" });
    // multipart with the browser's boundary (jsdom's File inside Node's Request cannot be read back here)
    expect(requests[0]?.headers.get("content-type")).toMatch(/^multipart\/form-data; boundary=/);

    answer = apiError(422, "'x.exe' is not a file kiln takes", "file");
    fireEvent.change(input, { target: { files: [new File(["MZ"], "x.exe")] } });
    expect((await screen.findByRole("alert")).textContent).toContain("is not a file kiln takes");
  });
});
