'use client';
/** Last resort when even the layout fails: a plain sentence and a retry. */
export default function GlobalError({ reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <html lang="en">
      <body style={{ background: '#020617', color: '#e2e8f0', fontFamily: 'system-ui, sans-serif', padding: '4rem', textAlign: 'center' }}>
        <h1>The scoreboard could not be shown</h1>
        <p>The server ran into a problem; its log has the details.</p>
        <button type="button" onClick={reset} style={{ padding: '0.5rem 1rem', marginTop: '1rem' }}>
          Try again
        </button>
      </body>
    </html>
  );
}
