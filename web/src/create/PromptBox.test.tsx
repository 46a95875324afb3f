import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { describe, expect, it } from "vitest";
import { PromptBox, shownWords } from "./PromptBox";
import type { TokensResponse } from "./types";

const counts = (overflow: string[]): TokensResponse => ({
  model: "tiny-sd",
  family: "tiny-sd",
  encoders: [
    { encoder: "clip_l", kind: "clip", tokens: overflow.length ? 90 : 10, limit: 77, truncated: overflow.length > 0, overflow_words: overflow },
    { encoder: "t5", kind: "t5", tokens: 10, limit: 256, truncated: false, overflow_words: [] },
  ],
});

function Harness({ initial, tokens }: { initial: string; tokens: TokensResponse }) {
  const [value, setValue] = useState(initial);
  return <PromptBox value={value} onChange={setValue} counts={tokens} template={null} error="too long" />;
}

describe("PromptBox", () => {
  it("is the textbox named Prompt, with a count per encoder and its error", async () => {
    render(<Harness initial="a fox" tokens={counts([])} />);
    const box = screen.getByRole("textbox", { name: "Prompt" });
    expect(box).toHaveProperty("value", "a fox");
    expect(screen.getByText("10/77 CLIP-L")).toBeTruthy();
    expect(screen.getByText("10/256 T5")).toBeTruthy();
    expect(screen.getByRole("alert").textContent).toBe("too long");
    await userEvent.type(box, " runs");
    expect(box).toHaveProperty("value", "a fox runs");
  });

  it("marks the words an encoder never sees and names them", () => {
    const { container } = render(<Harness initial="one two three four" tokens={counts(["three", "four"])} />);
    expect(container.querySelector(".prompt-mirror mark")?.textContent).toBe("three four");
    expect(container.querySelector(".token-count.over")?.textContent).toBe("90/77 CLIP-L");
    expect(screen.getByText(/CLIP-L reads 77 tokens; it never sees/).textContent).toContain("three four");
  });

  it("shows the first dozen cut words and how many more", () => {
    const words = Array.from({ length: 20 }, (_, i) => `w${i}`);
    expect(shownWords(words)).toBe("w0 w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 … and 8 more");
    expect(shownWords(["a", "b"])).toBe("a b");
  });
});
