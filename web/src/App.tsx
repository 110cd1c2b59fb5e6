// The app's routes, inside the layout (header, nav, live indicator, sign-in).
import { createBrowserRouter, RouterProvider } from "react-router";
import { AuthProvider } from "./auth";
import { Layout } from "./components/Layout";
import { Agents } from "./pages/Agents";
import { Build } from "./pages/Build";
import { Dashboard } from "./pages/Dashboard";
import { Graph } from "./pages/Graph";
import { NotFound } from "./pages/NotFound";
import { Package } from "./pages/Package";
import { Packages } from "./pages/Packages";
import { PlanPage } from "./pages/PlanPage";
import { RebuildMap } from "./pages/RebuildMap";
import { Repositories } from "./pages/Repositories";
import { RouteError } from "./pages/RouteError";
import { Tokens } from "./pages/Tokens";
import { Updates } from "./pages/Updates";

const router = createBrowserRouter([
  {
    element: <Layout />,
    children: [
      {
        errorElement: <RouteError />,
        children: [
          { index: true, element: <Dashboard /> },
          { path: "packages", element: <Packages /> },
          { path: "packages/:name", element: <Package /> },
          { path: "builds/:id", element: <Build /> },
          { path: "graph", element: <Graph /> },
          { path: "graph/:name", element: <Graph /> },
          { path: "requests/:id", element: <RebuildMap /> },
          { path: "plan", element: <PlanPage /> },
          { path: "repositories", element: <Repositories /> },
          { path: "agents", element: <Agents /> },
          { path: "updates", element: <Updates /> },
          { path: "tokens", element: <Tokens /> },
          { path: "*", element: <NotFound /> },
        ],
      },
    ],
  },
]);

export function App() {
  return (
    <AuthProvider>
      <RouterProvider router={router} />
    </AuthProvider>
  );
}
