// The sign-in screen, shown when the server asks for API keys and this browser has no session.
import { useId, useState, type FormEvent } from "react";
import { ApiError } from "../api/client";
import { useSignIn } from "./session";
import "./session.css";

export function SignIn() {
  const [key, setKey] = useState("");
  const signIn = useSignIn();
  const inputId = useId();
  const errorId = useId();
  const error = signIn.error;
  const message =
    error instanceof ApiError ? error.message : error ? "The server could not be reached; try again." : null;

  function submit(event: FormEvent) {
    event.preventDefault();
    if (key.trim()) signIn.mutate(key);
  }

  return (
    <main className="signin">
      <form className="signin-card" onSubmit={submit} noValidate>
        <h1>
          <span className="brand">kiln</span> studio
        </h1>
        <p className="muted">This server asks for an API key. Paste yours to sign in; this browser remembers it.</p>
        <label htmlFor={inputId}>API key</label>
        <input
          id={inputId}
          type="password"
          value={key}
          onChange={(event) => setKey(event.target.value)}
          placeholder="kiln_…"
          autoComplete="off"
          spellCheck={false}
          autoFocus
          aria-invalid={message !== null}
          aria-describedby={message !== null ? errorId : undefined}
        />
        {message !== null && (
          <p id={errorId} className="field-error" role="alert">
            {message}
          </p>
        )}
        <button type="submit" className="primary" disabled={signIn.isPending || !key.trim()}>
          Sign in
        </button>
        <p className="muted small">
          No key yet? On the server: <code>kiln keys create --name NAME</code>
        </p>
      </form>
    </main>
  );
}
