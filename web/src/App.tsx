// The studio's shell: the navigation and one page per route. Client-side routes; the server answers every
// unknown path with index.html.
import { Link, Route, Switch } from "wouter";
import { CreatePage } from "./pages/CreatePage";
import { GalleryPage } from "./pages/GalleryPage";
import { JobPage } from "./pages/JobPage";
import { QueuePage } from "./pages/QueuePage";
import { StatusPage } from "./pages/StatusPage";

const NAV = [
  { href: "/", label: "Create" },
  { href: "/queue", label: "Queue" },
  { href: "/gallery", label: "Gallery" },
  { href: "/status", label: "Status" },
] as const;

export function App() {
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
      </header>
      <main className="page">
        <Switch>
          <Route path="/" component={CreatePage} />
          <Route path="/queue" component={QueuePage} />
          <Route path="/queue/:jobId">{(params) => <JobPage jobId={params.jobId} />}</Route>
          <Route path="/gallery" component={GalleryPage} />
          <Route path="/status" component={StatusPage} />
          <Route>
            <h1>Not found</h1>
            <p>
              There is no page here. <Link href="/">Go to Create</Link>.
            </p>
          </Route>
        </Switch>
      </main>
    </div>
  );
}
