/** The root layout: document, metadata (icons and the social preview for shared links) and global styles (system fonts only). */
import type { Metadata, Viewport } from 'next';
import type { ReactNode } from 'react';
import { publicOrigin } from '@/lib/api/pages';
import './globals.css';

const DESCRIPTION = 'Live standings of the event-driven aggregation workshop: every team’s AggregateTable against the expected totals.';
const SOCIAL_PREVIEW = { url: '/social-preview.png', width: 1200, height: 630, alt: 'Stream aggregation game: the live scoreboard' };

export async function generateMetadata(): Promise<Metadata> {
  return {
    metadataBase: await publicOrigin(),
    title: { default: 'Scoreboard · Stream aggregation game', template: '%s · Stream aggregation game' },
    description: DESCRIPTION,
    icons: { icon: { url: '/icon.svg', type: 'image/svg+xml' }, apple: '/apple-touch-icon.png' },
    openGraph: { type: 'website', siteName: 'Stream aggregation game', title: 'Stream aggregation game', description: DESCRIPTION, images: [SOCIAL_PREVIEW] },
    twitter: { card: 'summary_large_image', title: 'Stream aggregation game', description: DESCRIPTION, images: [SOCIAL_PREVIEW] },
  };
}

export const viewport: Viewport = { width: 'device-width', initialScale: 1, themeColor: '#020617' };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-screen">{children}</body>
    </html>
  );
}
