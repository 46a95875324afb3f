// A number input that keeps what is typed ("0.", "-") and reports a number only when the text is one.
import { useState, type InputHTMLAttributes } from "react";

type Props = Omit<InputHTMLAttributes<HTMLInputElement>, "value" | "onChange" | "type"> & {
  value: number | null;
  onValue: (value: number | null) => void;
};

export function NumberInput({ value, onValue, ...rest }: Props) {
  const [text, setText] = useState(value === null ? "" : String(value));
  const [shown, setShown] = useState(value);
  if (shown !== value) {
    // a change from outside (a dragged point, beat sync) replaces the text unless it already means that number
    setShown(value);
    if (!(text.trim() !== "" && Number(text) === value)) setText(value === null ? "" : String(value));
  }
  return (
    <input
      {...rest}
      type="text"
      inputMode="decimal"
      value={text}
      onChange={(event) => {
        const next = event.target.value;
        setText(next);
        if (next.trim() === "") onValue(null);
        else if (Number.isFinite(Number(next))) onValue(Number(next));
      }}
    />
  );
}
