import { stateLabel } from "./format";

export function StateBadge({ state }: { state: string }) {
  return (
    <span className="state-badge" data-state={state}>
      {stateLabel(state)}
    </span>
  );
}
