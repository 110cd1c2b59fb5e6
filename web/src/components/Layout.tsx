// Every page: the header (product, nav, live indicator, sign-in) and the page below it.
import { NavLink, Outlet } from "react-router";
import { useAuth } from "../auth";
import { LiveIndicator } from "./LiveIndicator";
import { SignIn } from "./SignIn";

const NAV = [
  { to: "/", label: "Dashboard", end: true },
  { to: "/packages", label: "Packages", end: false },
  { to: "/graph", label: "Graph", end: false },
  { to: "/repositories", label: "Repositories", end: false },
  { to: "/agents", label: "Agents", end: false },
  { to: "/updates", label: "Updates", end: false },
];
// Shown to admins only.
const ADMIN_NAV = [{ to: "/tokens", label: "Tokens", end: false }];

export function Layout() {
  const { role } = useAuth();
  const nav = role === "admin" ? [...NAV, ...ADMIN_NAV] : NAV;
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="header">
        <div className="header-inner">
          <NavLink to="/" className="brand">
            Kiln
          </NavLink>
          <nav aria-label="Main" className="nav">
            {nav.map((n) => (
              <NavLink key={n.to} to={n.to} end={n.end}>
                {n.label}
              </NavLink>
            ))}
          </nav>
          <div className="header-end">
            <LiveIndicator />
            <SignIn />
          </div>
        </div>
      </header>
      <main id="main" className="main">
        <Outlet />
      </main>
    </>
  );
}
