import { describe, expect, it } from "vitest";
import { ApiError, unwrap } from "./client";

describe("unwrap", () => {
  it("returns the data of a successful answer", () => {
    expect(unwrap({ data: { id: "J" }, response: new Response(null, { status: 200 }) })).toEqual({ id: "J" });
  });

  it("throws the API's field and message", () => {
    const body = { error: { type: "invalid_input", message: "prompt is empty", field: "prompt" } };
    const thrown = (() => {
      try {
        unwrap({ error: body, response: new Response(null, { status: 422 }) });
      } catch (error) {
        return error;
      }
      return null;
    })();
    expect(thrown).toBeInstanceOf(ApiError);
    expect(thrown).toMatchObject({ status: 422, field: "prompt", message: "prompt is empty" });
  });
});
