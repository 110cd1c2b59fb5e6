// What a page that failed to render shows, instead of a blank page.
import { isRouteErrorResponse, Link, useRouteError } from "react-router";
import { NotFound } from "./NotFound";

export function RouteError() {
  const error = useRouteError();
  if (isRouteErrorResponse(error) && error.status === 404) return <NotFound />;
  const message =
    error instanceof Error ? error.message : isRouteErrorResponse(error) ? error.statusText : String(error);
  return (
    <>
      <h1>Something went wrong</h1>
      <p className="error" role="alert">
        {message}
      </p>
      <p>
        <Link to="/">Back to the dashboard</Link>
      </p>
    </>
  );
}
