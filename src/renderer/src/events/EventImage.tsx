/**
 * An event's snapshot or crop, as a blob URL of its bytes (fetched with the token in serve mode,
 * over IPC in the desktop app). A snapshot shown large is fetched again whenever events change,
 * since the engine may replace an event's first small picture with a full-size one after the view
 * opened; the old picture stays on screen until the new one has come.
 */
import { useEffect, useState } from 'react';
import { useStore } from 'zustand';
import { useEngine } from '../context';
import { eventImageUrl, eventsStore } from './store';

export function EventImage({ id, kind, className, alt, testId }: { id: string; kind: 'snapshot' | 'crop'; className?: string; alt: string; testId?: string }) {
  const { bridge } = useEngine();
  const revision = useStore(eventsStore, (s) => (kind === 'snapshot' ? s.revision : 0));
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    eventImageUrl(bridge, id, kind).then(
      (u) => {
        if (live) setSrc(u);
        else if (u.startsWith('blob:')) URL.revokeObjectURL(u);
      },
      () => undefined, // keep what is shown; a deleted event's view closes by itself
    );
    return () => {
      live = false;
    };
  }, [bridge, id, kind, revision]);
  // Each picture's URL is let go once another has replaced it, or when the view closes.
  useEffect(() => () => {
    if (src?.startsWith('blob:')) URL.revokeObjectURL(src);
  }, [src]);
  return src ? <img src={src} className={className} alt={alt} data-testid={testId} loading="lazy" /> : <span className={`${className ?? ''} loading`} />;
}
