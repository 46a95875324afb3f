// Which words of the prompt a text encoder never sees. `POST /v1/tokens` counts the prompt as the pipeline gets
// it (the style's template around it) and names the words past each encoder's limit: the last words of that
// text. These functions find where they start in what the user typed.

const PLACEHOLDER = "{prompt}";

/** The prompt as the pipeline gets it: the style's template with the prompt in place of `{prompt}`. */
export function styledPrompt(prompt: string, template: string | null): string {
  return template ? template.split(PLACEHOLDER).join(prompt) : prompt;
}

/** The offset in `text` where its last `count` whitespace-separated words begin (text.length for none). */
export function lastWordsStart(text: string, count: number): number {
  if (count <= 0) return text.length;
  const starts = [...text.matchAll(/\S+/g)].map((match) => match.index);
  if (count >= starts.length) return starts[0] ?? text.length;
  return starts[starts.length - count] ?? text.length;
}

/** Where, in the user's `prompt`, the words an encoder cuts off begin; null when none of the user's words is cut
 * (the style's words after the prompt go first). `overflowWords` is the encoder's count of cut words. */
export function overflowStart(prompt: string, template: string | null, overflowWords: number): number | null {
  if (overflowWords <= 0) return null;
  const before = template ? template.indexOf(PLACEHOLDER) : 0;
  if (before < 0) return null; // a template without the prompt: none of the user's words is read at all
  let start = lastWordsStart(styledPrompt(prompt, template), overflowWords) - before;
  if (start >= prompt.trimEnd().length) return null;
  start = Math.max(0, start);
  while (start > 0 && !/\s/.test(prompt.charAt(start - 1))) start -= 1; // a word joined to the template's: all of it
  return start;
}

export interface PromptSegment {
  text: string;
  cut: boolean;
}

/** The prompt in two parts for the highlight behind the textarea: what every encoder reads, and the rest. */
export function promptSegments(prompt: string, start: number | null): PromptSegment[] {
  if (start === null) return [{ text: prompt, cut: false }];
  return [
    { text: prompt.slice(0, start), cut: false },
    { text: prompt.slice(start), cut: true },
  ].filter((segment) => segment.text !== "");
}
