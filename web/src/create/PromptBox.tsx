// The prompt: a textarea over a mirror of its text in which the words some text encoder never sees are marked,
// and the token count per encoder (from POST /v1/tokens, the style's words included).
import { useId, useRef, type KeyboardEvent } from "react";
import { overflowStart, promptSegments } from "./tokens";
import type { EncoderCount, TokensResponse } from "./types";

/** "clip_l" -> "CLIP-L", "t5" -> "T5". */
export function encoderLabel(encoder: string): string {
  return encoder.replace(/_/g, "-").toUpperCase();
}

interface PromptBoxProps {
  value: string;
  onChange: (value: string) => void;
  onKeyDown?: (event: KeyboardEvent<HTMLTextAreaElement>) => void;
  counts: TokensResponse | undefined;
  template: string | null;
  error?: string;
}

export function PromptBox({ value, onChange, onKeyDown, counts, template, error }: PromptBoxProps) {
  const id = useId();
  const mirror = useRef<HTMLDivElement>(null);
  const encoders = value.trim() ? (counts?.encoders ?? []) : [];
  const starts = encoders
    .map((e) => overflowStart(value, template, e.overflow_words.length))
    .filter((s): s is number => s !== null);
  const cutFrom = starts.length > 0 ? Math.min(...starts) : null;
  return (
    <div className="prompt-box">
      <div className="prompt-head">
        <label htmlFor={id}>Prompt</label>
        <span className="token-counts" aria-live="polite">
          {encoders.map((e) => (
            <TokenCount key={e.encoder} count={e} />
          ))}
        </span>
      </div>
      <div className="prompt-area">
        <div ref={mirror} className="prompt-mirror" aria-hidden="true">
          {promptSegments(value, cutFrom).map((segment, i) =>
            segment.cut ? <mark key={i}>{segment.text}</mark> : <span key={i}>{segment.text}</span>,
          )}
          {"\n"}
        </div>
        <textarea
          id={id}
          value={value}
          rows={3}
          placeholder="What should the image show?"
          // keyboard first: the prompt, not the settings above it in tab order, has the focus on arrival
          // (not on touch screens, where focus would open the on-screen keyboard)
          autoFocus={typeof window.matchMedia === "function" && window.matchMedia("(pointer: fine)").matches}
          aria-invalid={error ? true : undefined}
          aria-describedby={`${id}-cut ${id}-error`}
          onChange={(e) => onChange(e.target.value)}
          onKeyDown={onKeyDown}
          onScroll={(e) => {
            if (mirror.current) mirror.current.scrollTop = e.currentTarget.scrollTop;
          }}
        />
      </div>
      <div id={`${id}-cut`} className="token-cut">
        {encoders
          .filter((e) => e.truncated)
          .map((e) => (
            <p key={e.encoder}>
              {encoderLabel(e.encoder)} reads {e.limit} tokens; it never sees: <q>{shownWords(e.overflow_words)}</q>
            </p>
          ))}
      </div>
      <p id={`${id}-error`} className="field-error" role={error ? "alert" : undefined}>
        {error}
      </p>
    </div>
  );
}

const SHOWN_CUT_WORDS = 12;

/** The cut words, the first dozen and how many more. */
export function shownWords(words: string[]): string {
  const shown = words.slice(0, SHOWN_CUT_WORDS).join(" ");
  return words.length > SHOWN_CUT_WORDS ? `${shown} … and ${words.length - SHOWN_CUT_WORDS} more` : shown;
}

function TokenCount({ count }: { count: EncoderCount }) {
  return (
    <span className={count.truncated ? "token-count over" : "token-count"} title={`${count.kind} text encoder`}>
      {count.tokens}/{count.limit} {encoderLabel(count.encoder)}
    </span>
  );
}
