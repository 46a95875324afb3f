// YAML in and out of the editor with `yaml` (eemeli/yaml), loaded only when a storyboard is imported or exported,
// so the library never weighs on the page's first load.
import type { Json, JsonObject } from "./model";

/** The manifest in a YAML (or JSON: YAML reads it too) text; a syntax error says its line and column. */
export async function parseManifest(text: string): Promise<Json> {
  const { parse, YAMLParseError } = await import("yaml");
  try {
    return parse(text) as Json;
  } catch (error) {
    if (error instanceof YAMLParseError) {
      const at = error.linePos?.[0];
      const where = at ? `line ${at.line}, column ${at.col}: ` : "";
      throw new Error(`${where}${error.message.split("\n")[0] ?? "not YAML"}; fix the YAML there`);
    }
    throw error;
  }
}

/** The manifest as YAML. Keys that are whole numbers (an animation's `prompts` by frame) are written as numbers:
 * JavaScript objects hold every key as a string, and a quoted "24" is no frame number to a YAML reader. */
export async function manifestYaml(manifest: JsonObject): Promise<string> {
  const { Document, isScalar, visit } = await import("yaml");
  const document = new Document(manifest);
  visit(document, {
    Pair(_, pair) {
      if (isScalar(pair.key) && typeof pair.key.value === "string" && /^(0|[1-9]\d*)$/.test(pair.key.value)) {
        pair.key.value = Number(pair.key.value);
      }
    },
  });
  return document.toString({ lineWidth: 0 });
}
