/** The root layout: document, metadata and global styles (system fonts only). */
import type { Metadata, Viewport } from 'next';
import type { ReactNode } from 'react';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'Scoreboard · Stream aggregation game', template: '%s · Stream aggregation game' },
  description: 'Live standings of the event-driven aggregation workshop: every team’s AggregateTable against the expected totals.',
};

export const viewport: Viewport = { width: 'device-width', initialScale: 1, themeColor: '#020617' };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-screen">{children}</body>
    </html>
  );
}
