import { fireEvent, render, screen } from "@testing-library/react";
import { useState } from "react";
import { describe, expect, it, vi } from "vitest";
import { Lightbox } from "./Lightbox";

function Harness({ onClose }: { onClose: () => void }) {
  const [index, setIndex] = useState(0);
  return (
    <>
      <button type="button">opener</button>
      <Lightbox
        items={["red", "green", "blue"]}
        index={index}
        onIndex={setIndex}
        onClose={onClose}
        title={(item) => `Colour ${item}`}
        media={(item) => <span>{item} picture</span>}
        details={(item) => <p>about {item}</p>}
      />
    </>
  );
}

describe("Lightbox", () => {
  it("is a labelled dialog that arrow keys move through", () => {
    render(<Harness onClose={() => {}} />);
    expect(screen.getByRole("dialog", { name: "Colour red" })).toBeTruthy();
    expect(screen.getByText("1 / 3")).toBeTruthy();
    fireEvent.keyDown(document, { key: "ArrowRight" });
    expect(screen.getByText("about green")).toBeTruthy();
    fireEvent.keyDown(document, { key: "ArrowRight" });
    fireEvent.keyDown(document, { key: "ArrowRight" }); // stays on the last
    expect(screen.getByText("3 / 3")).toBeTruthy();
    expect(screen.getByRole("button", { name: "Next" })).toHaveProperty("disabled", true);
    fireEvent.click(screen.getByRole("button", { name: "Previous" }));
    expect(screen.getByText("about green")).toBeTruthy();
  });

  it("closes on Esc and on its Close button", () => {
    const onClose = vi.fn();
    render(<Harness onClose={onClose} />);
    fireEvent.keyDown(document, { key: "Escape" });
    fireEvent.click(screen.getByRole("button", { name: "Close" }));
    expect(onClose).toHaveBeenCalledTimes(2);
  });
});
