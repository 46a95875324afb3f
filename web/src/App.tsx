// The studio's shell: sign-in when the server asks for keys, then the top bar (navigation, live status line,
// key and sign-out) and one page per route. Client-side routes; the server answers every other path with
// index.html.
import { lazy, Suspense } from "react";
import { Link, Route, Switch } from "wouter";
import { CreatePage } from "./pages/CreatePage";
import { GalleryPage } from "./pages/GalleryPage";
import { JobPage } from "./pages/JobPage";
import { QueuePage } from "./pages/QueuePage";
import { StatusPage } from "./pages/StatusPage";
import { useSession, useSignOut, type Session } from "./session/session";
import { SignIn } from "./session/SignIn";
import { StatusLine } from "./status/StatusLine";

// Pages loaded on first visit (React.lazy), so the first load stays small.
const VideoPage = lazy(() => import("./pages/VideoPage").then((m) => ({ default: m.VideoPage })));
const SoundStagePage = lazy(() => import("./pages/SoundStagePage").then((m) => ({ default: m.SoundStagePage })));
const StoryboardPage = lazy(() => import("./pages/StoryboardPage"));
const AnimationStudioPage = lazy(() => import("./pages/AnimationStudioPage"));

const NAV = [
  { href: "/", label: "Create" },
  { href: "/queue", label: "Queue" },
  { href: "/gallery", label: "Gallery" },
  { href: "/video", label: "Video" },
  { href: "/studio", label: "Studio" },
  { href: "/sound-stage", label: "Sound stage" },
  { href: "/storyboard", label: "Storyboard" },
  { href: "/status", label: "Status" },
] as const;

export function App() {
  const session = useSession();
  if (session.isPending) return <div className="app" aria-busy="true" />;
  if (session.isError) {
    return (
      <main className="signin">
        <p role="alert">
          The kiln server could not be reached ({session.error.message}).{" "}
          <button type="button" onClick={() => void session.refetch()}>
            Try again
          </button>
        </p>
      </main>
    );
  }
  if (session.data.auth === "on" && !session.data.signed_in) return <SignIn />;
  return <Shell session={session.data} />;
}

function Shell({ session }: { session: Session }) {
  return (
    <div className="app">
      <header className="topbar">
        <span className="brand">kiln</span>
        <nav aria-label="Main">
          {NAV.map((entry) => (
            <Link key={entry.href} href={entry.href} className={(active) => (active ? "nav-link active" : "nav-link")}>
              {entry.label}
            </Link>
          ))}
        </nav>
        <StatusLine />
        {session.auth === "on" && <Account keyName={session.key_name} />}
      </header>
      <main className="page">
        <Suspense fallback={<p className="muted" aria-busy="true">Loading…</p>}>
          <Switch>
            <Route path="/" component={CreatePage} />
            <Route path="/queue" component={QueuePage} />
            <Route path="/queue/:jobId">{(params) => <JobPage jobId={params.jobId} />}</Route>
            <Route path="/gallery" component={GalleryPage} />
            <Route path="/video" component={VideoPage} />
            <Route path="/studio" component={AnimationStudioPage} />
            <Route path="/sound-stage" component={SoundStagePage} />
            <Route path="/storyboard" component={StoryboardPage} />
            <Route path="/status" component={StatusPage} />
            <Route>
              <h1>Not found</h1>
              <p>
                There is no page here. <Link href="/">Go to Create</Link>.
              </p>
            </Route>
          </Switch>
        </Suspense>
      </main>
    </div>
  );
}

function Account({ keyName }: { keyName: string | null }) {
  const signOut = useSignOut();
  return (
    <div className="account">
      {keyName !== null && (
        <span className="key-name" title={`Signed in with the key ${keyName}`}>
          {keyName}
        </span>
      )}
      <button type="button" onClick={() => signOut.mutate()} disabled={signOut.isPending}>
        Sign out
      </button>
    </div>
  );
}
