// Quiet notices at the foot of the queue pages ("Job canceled · Undo"): a small store the pages render, so a
// notice outlives the page that raised it (delete on a job's page, then back to the queue).

export interface ToastAction {
  label: string;
  run: () => void;
}

export interface Toast {
  id: number;
  message: string;
  tone: "info" | "error";
  action?: ToastAction;
}

export class ToastStore {
  private toasts: readonly Toast[] = [];
  private readonly listeners = new Set<() => void>();
  private nextId = 1;

  constructor(private readonly lifetimeMs = 6000) {}

  show(message: string, options: { tone?: Toast["tone"]; action?: ToastAction; ms?: number } = {}): number {
    const toast: Toast = { id: this.nextId++, message, tone: options.tone ?? "info", action: options.action };
    this.toasts = [...this.toasts.slice(-3), toast];
    this.emit();
    globalThis.setTimeout(() => this.dismiss(toast.id), options.ms ?? this.lifetimeMs);
    return toast.id;
  }

  dismiss(id: number): void {
    if (!this.toasts.some((toast) => toast.id === id)) return;
    this.toasts = this.toasts.filter((toast) => toast.id !== id);
    this.emit();
  }

  snapshot = (): readonly Toast[] => this.toasts;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private emit(): void {
    for (const listener of this.listeners) listener();
  }
}
