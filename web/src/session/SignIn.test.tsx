import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "../App";
import { STATUS } from "../status/fixtures";
import { apiError, json, renderWithQueries, stubApi } from "../testing/fakeApi";

const RIGHT = "kiln_right-key";
const WRONG_MESSAGE = "the API key is not valid (unknown or revoked)";

describe("signing in", () => {
  let signedIn = false;
  let requests: Request[] = [];

  beforeEach(() => {
    signedIn = false;
    requests = stubApi({
      "GET /v1/session": () => json(200, { auth: "on", signed_in: signedIn, key_name: signedIn ? "A" : null }),
      "POST /v1/session": (request) => {
        if (request.headers.get("Authorization") !== `Bearer ${RIGHT}`) return apiError(401, WRONG_MESSAGE);
        signedIn = true;
        return new Response(null, { status: 204 });
      },
      "DELETE /v1/session": () => {
        signedIn = false;
        return new Response(null, { status: 204 });
      },
      "GET /v1/status": () => json(200, STATUS),
    });
  });
  afterEach(() => vi.unstubAllGlobals());

  it("shows the API's message for a wrong key, then signs in with the right one and out again", async () => {
    const user = userEvent.setup();
    renderWithQueries(<App />);

    const key = await screen.findByLabelText("API key");
    await user.type(key, "kiln_wrong");
    await user.click(screen.getByRole("button", { name: "Sign in" }));
    expect((await screen.findByRole("alert")).textContent).toContain(WRONG_MESSAGE);
    expect(key.getAttribute("aria-invalid")).toBe("true");

    await user.clear(key);
    await user.type(key, `  ${RIGHT} `);
    await user.click(screen.getByRole("button", { name: "Sign in" }));
    const signOut = await screen.findByRole("button", { name: "Sign out" });
    expect(screen.getByText("A")).toBeTruthy(); // the key's name in the top bar
    expect(await screen.findByText("2 running · 14 queued")).toBeTruthy();

    const signIns = requests.filter((r) => r.method === "POST" && r.url.endsWith("/v1/session"));
    expect(signIns.map((r) => r.headers.get("Authorization"))).toEqual(["Bearer kiln_wrong", `Bearer ${RIGHT}`]);
    expect(requests.every((r) => !r.url.includes("kiln_"))).toBe(true); // a key never travels in a URL

    await user.click(signOut);
    expect(await screen.findByLabelText("API key")).toBeTruthy();
    expect(requests.some((r) => r.method === "DELETE" && r.url.endsWith("/v1/session"))).toBe(true);
  });

  it("keeps the button off until a key is pasted", async () => {
    renderWithQueries(<App />);
    await screen.findByLabelText("API key");
    expect(screen.getByRole<HTMLButtonElement>("button", { name: "Sign in" }).disabled).toBe(true);
  });

  it("shows no sign-in when the server asks for no keys", async () => {
    stubApi({
      "GET /v1/session": () => json(200, { auth: "off", signed_in: false, key_name: null }),
      "GET /v1/status": () => json(200, { ...STATUS, auth: "off" }),
    });
    renderWithQueries(<App />);
    expect(await screen.findByRole("navigation", { name: "Main" })).toBeTruthy();
    expect(screen.queryByLabelText("API key")).toBeNull();
    expect(screen.queryByRole("button", { name: "Sign out" })).toBeNull();
  });

  it("returns to the sign-in screen when the session ends (a 401 from any query)", async () => {
    signedIn = true;
    let revoked = false;
    stubApi({
      "GET /v1/session": () => json(200, { auth: "on", signed_in: !revoked, key_name: revoked ? null : "A" }),
      "GET /v1/status": () => (revoked ? apiError(401, "the API key of this session was revoked") : json(200, STATUS)),
    });
    const { client } = renderWithQueries(<App />);
    await screen.findByRole("button", { name: "Sign out" });
    revoked = true;
    await client.refetchQueries({ queryKey: ["status"] });
    await waitFor(() => expect(screen.getByLabelText("API key")).toBeTruthy());
  });
});
