// Selecting many artifacts: Ctrl/Cmd+click toggles one, Shift+click selects the range from the last one clicked,
// a plain click in select mode (touch) toggles. Pure, so the grid and the tests share it.

export interface Selection {
  /** Selected ids, in the order they were selected. */
  readonly ids: readonly string[];
  /** The id a Shift+click range starts from. */
  readonly anchor: string | null;
}

export const NO_SELECTION: Selection = { ids: [], anchor: null };

export interface ClickModifiers {
  shift: boolean;
  /** Ctrl or Cmd. */
  toggle: boolean;
}

function toggled(selection: Selection, id: string): Selection {
  const has = selection.ids.includes(id);
  return { ids: has ? selection.ids.filter((one) => one !== id) : [...selection.ids, id], anchor: id };
}

/** The selection after a click on `id`; `order` is the ids as the grid shows them. */
export function clickSelect(selection: Selection, order: readonly string[], id: string, mods: ClickModifiers): Selection {
  if (mods.shift && selection.anchor !== null) {
    const from = order.indexOf(selection.anchor);
    const to = order.indexOf(id);
    if (from !== -1 && to !== -1) {
      const range = order.slice(Math.min(from, to), Math.max(from, to) + 1);
      const added = range.filter((one) => !selection.ids.includes(one));
      return { ids: [...selection.ids, ...added], anchor: selection.anchor };
    }
  }
  return toggled(selection, id);
}

/** Whether a click on a card changes the selection rather than opening the lightbox. */
export function clickSelects(selection: Selection, selectMode: boolean, mods: ClickModifiers): boolean {
  return selectMode || mods.toggle || (mods.shift && selection.ids.length > 0);
}

/** The selection without ids that are gone (deleted, or filtered out of the list). */
export function keepOnly(selection: Selection, present: ReadonlySet<string>): Selection {
  const ids = selection.ids.filter((id) => present.has(id));
  if (ids.length === selection.ids.length) return selection;
  return { ids, anchor: selection.anchor !== null && present.has(selection.anchor) ? selection.anchor : null };
}
