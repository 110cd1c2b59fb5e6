export function App() {
  return (
    <main>
      <h1>Kiln</h1>
    </main>
  );
}
