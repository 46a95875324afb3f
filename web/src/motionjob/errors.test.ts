import { describe, expect, it } from "vitest";
import { ApiError } from "../api/client";
import { fieldError, messageFor } from "./errors";

const refusal = (field: string | null, message: string) => new ApiError(422, { error: { type: "invalid", message, field } });

describe("a motion job's errors by field", () => {
  it("drops the item prefix and matches a field or any field under it", () => {
    const error = fieldError(refusal("items.0.shots.2.duration", "must be above 0"));
    expect(error).toEqual({ field: "shots.2.duration", message: "must be above 0" });
    expect(messageFor(error, "shots.2.duration")).toBe("must be above 0");
    expect(messageFor(error, "shots.2")).toBe("must be above 0");
    expect(messageFor(error, "shots.1")).toBeUndefined();
    expect(messageFor(fieldError(refusal("items.0", "bad item")), "duration")).toBeUndefined();
    expect(fieldError(refusal("items.0", "bad item"))?.field).toBe("");
  });

  it("keeps a network error's words with no field", () => {
    expect(fieldError(new TypeError("Failed to fetch"))).toEqual({ field: "", message: "Failed to fetch" });
    expect(fieldError(null)).toBeNull();
  });
});
