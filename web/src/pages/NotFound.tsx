import { Link, useLocation } from "react-router";

export function NotFound() {
  const { pathname } = useLocation();
  return (
    <>
      <title>Not found · Kiln</title>
      <h1>Not found</h1>
      <p>
        There is no page at <code>{pathname}</code>. <Link to="/">Back to the dashboard</Link>
      </p>
    </>
  );
}
